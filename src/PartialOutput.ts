/**
 * Structured output watched as it fills in. While the output tool's arguments (or the native JSON
 * answer) stream in, a streamed run emits `PartialOutput` events: the value parsed so far, typed as
 * a `DeepPartial` of the output. Strings grow, arrays gain elements, objects gain keys; numbers and
 * literals appear once complete. The last event is the validated output, marked `complete`.
 *
 * @example
 * import { PartialOutput } from "effect-claude"
 *
 * interface Recipe {
 *   readonly title: string
 *   readonly steps: ReadonlyArray<string>
 * }
 *
 * const render = (event: PartialOutput.PartialOutput<Recipe>): string =>
 *   `${event.output.title ?? "…"} (${event.output.steps?.length ?? 0} steps)${event.complete ? "" : " …"}`
 */

/** Values shown whole in a partial: they are never seen half-built. */
type Atom = string | number | boolean | bigint | symbol | null | undefined | Date | Uint8Array

/**
 * `T` seen early: every property optional, recursively; arrays of partial elements. A string field
 * may be cut short.
 *
 * @since 0.1.0
 * @category models
 */
export type DeepPartial<T> = T extends Atom
  ? T
  : T extends ReadonlyArray<infer Item>
    ? ReadonlyArray<DeepPartial<Item>>
    : T extends object
      ? { readonly [Key in keyof T]?: DeepPartial<T[Key]> }
      : T

/**
 * The output so far; when `complete`, the validated output itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface PartialOutput<O> {
  readonly _tag: "PartialOutput"
  readonly output: DeepPartial<O>
  /** True on the last event of a response: `output` is then the validated output. */
  readonly complete: boolean
  /** The output tool call that carries the output; undefined for native or prompted JSON text. */
  readonly toolCallId?: string | undefined
  /** For a union (`Output.union`): the output tool of the member the partial belongs to. */
  readonly toolName?: string | undefined
}

/**
 * Builds a `PartialOutput` event.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <O>(
  output: DeepPartial<O>,
  options: {
    readonly complete: boolean
    readonly toolCallId?: string | undefined
    readonly toolName?: string | undefined
  }
): PartialOutput<O> => ({
  _tag: "PartialOutput",
  output,
  complete: options.complete,
  toolCallId: options.toolCallId,
  toolName: options.toolName
})

/**
 * The validated output as the last `PartialOutput` event.
 *
 * @since 0.1.0
 * @category utils
 */
export const complete = <O>(
  output: O,
  toolCallId?: string | undefined,
  toolName?: string | undefined
): PartialOutput<O> =>
  // A complete value is one of its own partials; TypeScript cannot see that for a generic `O`.
  make(output as DeepPartial<O>, { complete: true, toolCallId, toolName })
