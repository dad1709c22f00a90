/**
 * Strings for a JSON Schema `pattern`: a regular expression subset good enough for identifiers, ids
 * and simple formats, parsed once per pattern and walked with a seeded `Random`.
 */
import type { Random } from "./seededRandom.js"

type RegexNode =
  | { readonly kind: "sequence"; readonly items: ReadonlyArray<RegexNode> }
  | { readonly kind: "alternation"; readonly branches: ReadonlyArray<RegexNode> }
  | { readonly kind: "repeat"; readonly node: RegexNode; readonly min: number; readonly max: number }
  | {
      readonly kind: "chars"
      readonly test: (code: number) => boolean
      readonly fallback: number
      /** Characters to pick from: letters and digits when the class has some, else any printable one. */
      readonly candidates: ReadonlyArray<number>
    }
  | { readonly kind: "literal"; readonly code: number }
  | { readonly kind: "empty" }

const compiled = new Map<string, RegExp | undefined>()

export const compile = (pattern: string): RegExp | undefined => {
  if (compiled.has(pattern)) return compiled.get(pattern)
  let regex: RegExp | undefined
  try {
    regex = new RegExp(pattern, "u")
  } catch {
    try {
      regex = new RegExp(pattern)
    } catch {
      regex = undefined
    }
  }
  compiled.set(pattern, regex)
  return regex
}

export const matches = (pattern: string, text: string): boolean => compile(pattern)?.test(text) ?? false

const isDigit = (code: number) => code >= 48 && code <= 57
const isWord = (code: number) =>
  isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
const isSpace = (code: number) =>
  code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0xfeff || code === 0x2028 || code === 0x2029
const isLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122)

const readable: ReadonlyArray<number> = Array.from({ length: 95 }, (_, index) => index + 32)
const alphanumeric = readable.filter((code) => isDigit(code) || isLetter(code))

const charClass = (test: (code: number) => boolean, fallback: number): RegexNode => {
  const preferred = alphanumeric.filter(test)
  return { kind: "chars", test, fallback, candidates: preferred.length > 0 ? preferred : readable.filter(test) }
}
const classEscapes: Record<string, (code: number) => boolean> = {
  d: isDigit,
  D: (code) => !isDigit(code),
  w: isWord,
  W: (code) => !isWord(code),
  s: isSpace,
  S: (code) => !isSpace(code),
  // Unicode properties are approximated by letters; the final `RegExp` check catches misses.
  p: isLetter,
  P: (code) => !isLetter(code)
}

class PatternParser {
  private index = 0

  constructor(private readonly source: string) {}

  parse(): RegexNode {
    const node = this.alternation()
    if (this.index < this.source.length) throw new Error("unbalanced parenthesis")
    return node
  }

  private peek(): string | undefined {
    return this.source[this.index]
  }

  private alternation(): RegexNode {
    const branches = [this.sequence()]
    while (this.peek() === "|") {
      this.index++
      branches.push(this.sequence())
    }
    return branches.length === 1 ? branches[0]! : { kind: "alternation", branches }
  }

  private sequence(): RegexNode {
    const items: Array<RegexNode> = []
    while (this.index < this.source.length && this.peek() !== "|" && this.peek() !== ")") {
      items.push(this.quantified(this.atom()))
    }
    return { kind: "sequence", items }
  }

  private quantified(node: RegexNode): RegexNode {
    const next = this.peek()
    let min: number
    let max: number
    if (next === "*") [min, max] = [0, Number.POSITIVE_INFINITY]
    else if (next === "+") [min, max] = [1, Number.POSITIVE_INFINITY]
    else if (next === "?") [min, max] = [0, 1]
    else if (next === "{") {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.index))
      if (match === null) return node
      min = Number(match[1])
      max = match[2] === undefined ? min : match[3] === "" ? Number.POSITIVE_INFINITY : Number(match[3])
      this.index += match[0].length - 1
    } else return node
    this.index++
    if (this.peek() === "?") this.index++ // lazy: same language
    return { kind: "repeat", node, min, max }
  }

  private atom(): RegexNode {
    const char = this.source[this.index++]!
    switch (char) {
      case "^":
      case "$":
        return { kind: "empty" }
      case ".":
        return charClass((code) => code !== 10 && code !== 13, 97)
      case "[":
        return this.charClassBody()
      case "(":
        return this.group()
      case "\\":
        return this.escape(false)
      default: {
        const code = this.source.codePointAt(this.index - 1)!
        if (code > 0xffff) this.index++
        return { kind: "literal", code }
      }
    }
  }

  private group(): RegexNode {
    let lookaround = false
    if (this.peek() === "?") {
      const rest = this.source.slice(this.index)
      if (rest.startsWith("?:")) this.index += 2
      else if (/^\?<?[=!]/.test(rest)) {
        lookaround = true
        this.index += rest[1] === "<" ? 3 : 2
      } else {
        const named = /^\?<[^>]+>/.exec(rest)
        if (named === null) throw new Error("unsupported group")
        this.index += named[0].length
      }
    }
    const inner = this.alternation()
    if (this.source[this.index++] !== ")") throw new Error("unbalanced parenthesis")
    // Lookarounds consume nothing; the final `RegExp` check rejects strings they forbid.
    return lookaround ? { kind: "empty" } : inner
  }

  /** One escape; inside a class `\b` is a backspace, outside it is a word boundary. */
  private escape(inClass: boolean): RegexNode {
    const char = this.source[this.index++]
    if (char === undefined) return { kind: "literal", code: 92 }
    const classTest = classEscapes[char]
    if (classTest !== undefined) {
      if ((char === "p" || char === "P") && this.peek() === "{") this.index = this.source.indexOf("}", this.index) + 1
      return charClass(classTest, char === "d" ? 48 : char === "s" ? 32 : 97)
    }
    const literal = (code: number): RegexNode => ({ kind: "literal", code })
    switch (char) {
      case "b":
        return inClass ? literal(8) : { kind: "empty" }
      case "B":
        return { kind: "empty" }
      case "n":
        return literal(10)
      case "r":
        return literal(13)
      case "t":
        return literal(9)
      case "f":
        return literal(12)
      case "v":
        return literal(11)
      case "0":
        return literal(0)
      case "c": {
        const control = this.source.charCodeAt(this.index++)
        return literal(control % 32)
      }
      case "x":
        return this.hexEscape(2)
      case "u":
        if (this.peek() === "{") {
          const end = this.source.indexOf("}", this.index)
          const code = Number.parseInt(this.source.slice(this.index + 1, end), 16)
          this.index = end + 1
          return literal(code)
        }
        return this.hexEscape(4)
      case "k": {
        // A named back reference: unsupported, the `RegExp` check decides.
        const end = this.source.indexOf(">", this.index)
        this.index = end < 0 ? this.index : end + 1
        return { kind: "empty" }
      }
      default:
        // Back references are unsupported: the `RegExp` check decides.
        if (!inClass && char >= "1" && char <= "9") return { kind: "empty" }
        return literal(this.source.codePointAt(this.index - 1)!)
    }
  }

  private hexEscape(length: number): RegexNode {
    const code = Number.parseInt(this.source.slice(this.index, this.index + length), 16)
    this.index += length
    return { kind: "literal", code }
  }

  private charClassBody(): RegexNode {
    const negated = this.peek() === "^"
    if (negated) this.index++
    const members: Array<(code: number) => boolean> = []
    let fallback: number | undefined
    while (this.index < this.source.length && this.peek() !== "]") {
      const start = this.classAtom()
      if (start.kind === "chars") {
        members.push(start.test)
        fallback ??= start.fallback
        continue
      }
      if (start.kind !== "literal") continue
      if (this.peek() === "-" && this.source[this.index + 1] !== "]" && this.index + 1 < this.source.length) {
        this.index++
        const end = this.classAtom()
        if (end.kind === "literal") {
          const [low, high] = [start.code, end.code]
          members.push((code) => code >= low && code <= high)
          fallback ??= low
          continue
        }
        members.push((code) => code === 45)
        if (end.kind === "chars") members.push(end.test)
      }
      const code = start.code
      members.push((candidate) => candidate === code)
      fallback ??= code
    }
    this.index++ // the closing bracket
    const inSet = (code: number) => members.some((member) => member(code))
    return charClass(negated ? (code) => !inSet(code) : inSet, negated ? 97 : (fallback ?? 97))
  }

  private classAtom(): RegexNode {
    const char = this.source[this.index++]!
    if (char === "\\") return this.escape(true)
    const code = this.source.codePointAt(this.index - 1)!
    if (code > 0xffff) this.index++
    return { kind: "literal", code }
  }
}

const parsedPatterns = new Map<string, RegexNode | undefined>()

export const parsePattern = (pattern: string): RegexNode | undefined => {
  if (parsedPatterns.has(pattern)) return parsedPatterns.get(pattern)
  let node: RegexNode | undefined
  try {
    node = new PatternParser(pattern).parse()
  } catch {
    node = undefined
  }
  parsedPatterns.set(pattern, node)
  return node
}

export const regexString = (node: RegexNode, random: Random, spread: number): string => {
  switch (node.kind) {
    case "empty":
      return ""
    case "literal":
      return String.fromCodePoint(node.code)
    case "sequence": {
      let text = ""
      for (const item of node.items) text += regexString(item, random, spread)
      return text
    }
    case "alternation":
      return regexString(random.pick(node.branches), random, spread)
    case "repeat": {
      const high = Math.min(node.max, node.min + Math.max(spread, Number.isFinite(node.max) ? 6 : 0))
      const count = random.int(node.min, high)
      let text = ""
      for (let index = 0; index < count; index++) text += regexString(node.node, random, spread)
      return text
    }
    case "chars": {
      const { candidates } = node
      return String.fromCodePoint(candidates.length > 0 ? random.pick(candidates) : node.fallback)
    }
  }
}
