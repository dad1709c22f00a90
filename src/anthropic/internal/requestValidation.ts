/**
 * Checks on what a request is built from, before anything is sent: the settings the API reads as
 * numbers in a range, durations, tool names, and values that must become JSON. Each failure is a
 * `UserError` naming the field; none of these reach the network as a request the API would
 * reject, or as a defect while the body is built.
 */
import * as Duration from "effect/Duration"
import { UserError } from "../../AgentError.js"
import type * as ModelSettings from "../../ModelSettings.js"

/** The longest time one timer can hold. */
const maxTimerMillis = 2 ** 31 - 1

/**
 * A per-request timeout as the SDK takes it: whole milliseconds from 1 to what one timer can hold;
 * `undefined` for an infinite duration (the client's own timeout stays in force).
 * @since 0.1.0
 * @category utils
 */
export const requestTimeoutMillis = (timeout: Duration.DurationInput | undefined): number | undefined => {
  if (timeout === undefined) return undefined
  let millis: number
  try {
    millis = Duration.toMillis(Duration.decode(timeout))
  } catch {
    throw new UserError({ message: `settings.timeout is not a duration: ${String(timeout).slice(0, 64)}` })
  }
  if (Number.isNaN(millis)) throw new UserError({ message: "settings.timeout is not a duration: NaN" })
  if (millis === Number.POSITIVE_INFINITY) return undefined
  return Math.min(maxTimerMillis, Math.max(1, Math.round(millis)))
}

const inRange = (field: string, value: number | undefined, min: number, max: number): void => {
  if (value === undefined) return
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new UserError({ message: `settings.${field} must be a number from ${min} to ${max}, got ${String(value)}` })
  }
}

const wholeAtLeast = (field: string, value: number | undefined, min: number): void => {
  if (value === undefined) return
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new UserError({
      message: `settings.${field} must be a whole number of at least ${min}, got ${String(value)}`
    })
  }
}

/**
 * Throws a `UserError` for a setting the API rejects: `maxTokens`, `temperature`, `topP`, `topK`, `extraBody`.
 * @since 0.1.0
 * @category utils
 */
export const validateSettings = (settings: ModelSettings.ModelSettings): void => {
  wholeAtLeast("maxTokens", settings.maxTokens, 1)
  inRange("temperature", settings.temperature, 0, 1)
  inRange("topP", settings.topP, 0, 1)
  wholeAtLeast("topK", settings.topK, 0)
  if (settings.extraBody !== undefined) {
    const problem = jsonProblem(settings.extraBody)
    if (problem !== undefined) throw new UserError({ message: `settings.extraBody is not JSON: ${problem}` })
  }
}

/** The names the API accepts for a custom tool. */
const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * Throws a `UserError` for a tool name the API rejects.
 * @since 0.1.0
 * @category utils
 */
export const validateToolName = (name: string): void => {
  if (!toolNamePattern.test(name)) {
    throw new UserError({
      message: `Tool name ${JSON.stringify(name.slice(0, 80))} is not accepted by the API: use 1 to 64 letters, digits, '_' or '-'`
    })
  }
}

const describeValue = (value: unknown): string => {
  if (value instanceof Map) return "a Map"
  if (value instanceof Set) return "a Set"
  if (typeof value === "object" && value !== null) return `an instance of ${value.constructor?.name ?? "a class"}`
  if (typeof value === "number") return String(value)
  return `a ${typeof value}`
}

/**
 * Why `value` cannot be sent as JSON (a BigInt, a function, a symbol, a non-finite number, a cycle,
 * a Map, Set or other class instance), with where it is; `undefined` when it can. Walks the value
 * once, iteratively, so a deep value cannot overflow the stack.
 */
const jsonProblem = (value: unknown): string | undefined => {
  const onPath = new Set<object>()
  const stack: Array<{ readonly value: unknown; readonly path: string; readonly exit?: object }> = [
    { value, path: "$" }
  ]
  while (stack.length > 0) {
    const item = stack.pop()
    if (item === undefined) break
    if (item.exit !== undefined) {
      onPath.delete(item.exit)
      continue
    }
    const current = item.value
    switch (typeof current) {
      case "string":
      case "boolean":
        continue
      case "undefined":
        if (item.path === "$") return "the value is undefined"
        continue
      case "number":
        if (!Number.isFinite(current)) return `${describeValue(current)} at ${item.path}`
        continue
      case "object": {
        if (current === null) continue
        if (onPath.has(current)) return `a cycle at ${item.path}`
        const proto: unknown = Object.getPrototypeOf(current)
        if (!Array.isArray(current) && proto !== Object.prototype && proto !== null) {
          return `${describeValue(current)} at ${item.path}`
        }
        onPath.add(current)
        stack.push({ value: undefined, path: item.path, exit: current })
        if (Array.isArray(current)) {
          for (let index = current.length - 1; index >= 0; index--) {
            stack.push({ value: current[index], path: `${item.path}[${index}]` })
          }
        } else {
          for (const [key, inner] of Object.entries(current)) stack.push({ value: inner, path: `${item.path}.${key}` })
        }
        continue
      }
      default:
        return `${describeValue(current)} at ${item.path}`
    }
  }
  return undefined
}

/**
 * A tool's result as the text of its `tool_result`; a `UserError` naming the tool when it cannot be JSON.
 * @since 0.1.0
 * @category utils
 */
export const toolResultText = (toolName: string, content: unknown): string => {
  if (typeof content === "string") return content
  const problem = jsonProblem(content)
  if (problem !== undefined) {
    throw new UserError({ message: `The result of tool '${toolName}' cannot be sent as JSON: ${problem}` })
  }
  return JSON.stringify(content) ?? ""
}
