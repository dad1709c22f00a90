/**
 * The memory tool's commands (`memory_20250818`: view, create, str_replace, insert, delete,
 * rename) run against a `MemoryStore`. Every outcome is text for the model: a failure (a missing
 * file, an ambiguous replacement, a path outside `/memories`) is reported in the result so the
 * model can correct itself, never as a failure of the run.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type Entry, formatPath, type MemoryPath, MemoryStore, MemoryStoreError, parsePath } from "../MemoryStore.js"

const path = Schema.String.annotations({ description: "A path below /memories" })

/** One command of the memory tool, as the model sends it. */
export const MemoryCommand = Schema.Union(
  Schema.Struct({
    command: Schema.Literal("view"),
    path,
    view_range: Schema.optional(Schema.Tuple(Schema.Int, Schema.Int))
  }),
  Schema.Struct({ command: Schema.Literal("create"), path, file_text: Schema.String }),
  Schema.Struct({ command: Schema.Literal("str_replace"), path, old_str: Schema.String, new_str: Schema.String }),
  Schema.Struct({
    command: Schema.Literal("insert"),
    path,
    insert_line: Schema.Int,
    insert_text: Schema.String
  }),
  Schema.Struct({ command: Schema.Literal("delete"), path }),
  Schema.Struct({ command: Schema.Literal("rename"), old_path: path, new_path: path })
)

/** A decoded memory command. */
export type MemoryCommand = typeof MemoryCommand.Type

const parse = (raw: string): Effect.Effect<MemoryPath, MemoryStoreError> => {
  const parsed = parsePath(raw)
  return Either.isRight(parsed) ? Effect.succeed(parsed.right) : Effect.fail(parsed.left)
}

const failWith = (message: string) => new MemoryStoreError({ reason: "InvalidPath", message })

const humanSize = (bytes: number): string => {
  if (bytes < 1024) return `${bytes}B`
  const units = ["K", "M", "G"]
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)}${units[unit]}`
}

const numbered = (lines: ReadonlyArray<string>, first: number): string =>
  lines.map((line, index) => `${String(first + index).padStart(6)}\t${line}`).join("\n")

const isHidden = (entry: Entry) => entry.name.startsWith(".") || entry.name === "node_modules"

/** The folder and what is in it, two levels deep, hidden items and node_modules left out. */
const viewDirectory = (folder: MemoryPath) =>
  Effect.gen(function* () {
    const store = yield* MemoryStore
    const lines: Array<string> = []
    const walk = (at: MemoryPath, depth: number): Effect.Effect<number, MemoryStoreError> =>
      Effect.gen(function* () {
        let total = 0
        for (const entry of yield* store.list(at)) {
          if (isHidden(entry)) continue
          const child = [...at, entry.name]
          if (entry.kind === "file") {
            lines.push(`${humanSize(entry.size)}\t${formatPath(child)}`)
            total += entry.size
          } else {
            const index = lines.length
            lines.push("")
            const size = depth < 2 ? yield* walk(child, depth + 1) : 0
            lines[index] = `${humanSize(size)}\t${formatPath(child)}/`
            total += size
          }
        }
        return total
      })
    const total = yield* walk(folder, 1)
    return [
      `Files and folders in ${formatPath(folder)}, two levels deep (hidden items and node_modules left out):`,
      `${humanSize(total)}\t${formatPath(folder)}/`,
      ...lines
    ].join("\n")
  })

const viewFile = (file: MemoryPath, range: readonly [number, number] | undefined) =>
  Effect.gen(function* () {
    const store = yield* MemoryStore
    const lines = (yield* store.readFile(file)).split("\n")
    if (range === undefined) return `Contents of ${formatPath(file)}, with line numbers:\n${numbered(lines, 1)}`
    const [start, end] = range
    const last = end === -1 ? lines.length : end
    if (start < 1 || start > lines.length || last < start || last > lines.length) {
      return yield* failWith(
        `view_range [${start}, ${end}] is outside ${formatPath(file)}, which has ${lines.length} lines (use -1 as the end to read to the last line)`
      )
    }
    return `Lines ${start} to ${last} of ${formatPath(file)}:\n${numbered(lines.slice(start - 1, last), start)}`
  })

const occurrences = (text: string, search: string): Array<number> => {
  const found: Array<number> = []
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + 1)) found.push(at)
  return found
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length

const run = (command: MemoryCommand): Effect.Effect<string, MemoryStoreError, MemoryStore> =>
  Effect.gen(function* () {
    const store = yield* MemoryStore
    switch (command.command) {
      case "view": {
        const at = yield* parse(command.path)
        const kind = yield* store.kind(at)
        if (kind === "missing") return yield* store.readFile(at)
        return kind === "directory" ? yield* viewDirectory(at) : yield* viewFile(at, command.view_range)
      }
      case "create": {
        const at = yield* parse(command.path)
        if (at.length === 0) return yield* failWith(`${formatPath(at)} is the memory folder, not a file`)
        if ((yield* store.kind(at)) !== "missing") {
          return yield* failWith(
            `${formatPath(at)} already exists: edit it with str_replace or insert, or delete it first`
          )
        }
        yield* store.writeFile(at, command.file_text)
        return `Created ${formatPath(at)}`
      }
      case "str_replace": {
        const at = yield* parse(command.path)
        const text = yield* store.readFile(at)
        const found = occurrences(text, command.old_str)
        if (command.old_str === "" || found.length === 0) {
          return yield* failWith(`Nothing replaced: old_str does not appear verbatim in ${formatPath(at)}`)
        }
        if (found.length > 1) {
          const lines = found.map((offset) => lineOf(text, offset)).join(", ")
          return yield* failWith(
            `Nothing replaced: old_str appears ${found.length} times in ${formatPath(at)} (lines ${lines}); make it unique`
          )
        }
        const offset = found[0]!
        yield* store.writeFile(
          at,
          text.slice(0, offset) + command.new_str + text.slice(offset + command.old_str.length)
        )
        return `Edited ${formatPath(at)} at line ${lineOf(text, offset)}`
      }
      case "insert": {
        const at = yield* parse(command.path)
        const lines = (yield* store.readFile(at)).split("\n")
        if (command.insert_line < 0 || command.insert_line > lines.length) {
          return yield* failWith(
            `insert_line ${command.insert_line} is outside ${formatPath(at)}: use 0 to ${lines.length} (the line to insert after)`
          )
        }
        lines.splice(command.insert_line, 0, ...command.insert_text.split("\n"))
        yield* store.writeFile(at, lines.join("\n"))
        return `Inserted text after line ${command.insert_line} of ${formatPath(at)}`
      }
      case "delete": {
        const at = yield* parse(command.path)
        yield* store.remove(at)
        return `Deleted ${formatPath(at)}`
      }
      case "rename": {
        const from = yield* parse(command.old_path)
        const to = yield* parse(command.new_path)
        yield* store.rename(from, to)
        return `Renamed ${formatPath(from)} to ${formatPath(to)}`
      }
    }
  })

/** Runs one memory command; a failure becomes the result text, starting with `Error:`. */
export const executeMemoryCommand = (command: MemoryCommand): Effect.Effect<string, never, MemoryStore> =>
  run(command).pipe(Effect.catchTag("MemoryStoreError", (error) => Effect.succeed(`Error: ${error.message}`)))
