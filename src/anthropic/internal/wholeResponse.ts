/**
 * Fast path: the `ModelResponse` of a whole (non-streamed) message, built straight from its complete
 * parts and metadata. It is the value `ModelResponseBuilder` gives when it folds the events a stream
 * of the message would have (a start and an end per part, then the metadata), without the events,
 * the builder's drafts and a second construction of every part. The parts come from
 * `BlockContext` in its whole-message mode (`responseMapping.ts`), which builds them as the fold
 * does: no field left `undefined`, tool arguments as parsed back from their JSON text
 * (`wholeToolArgs`). A property test holds this to the fold.
 */

import { ModelResponse, type ModelResponsePart, type ToolArgs, unvalidated } from "../../Message.js"
import { parseToolArgs } from "../../ModelResponseBuilder.js"
import type { ResponseMetadata } from "../../StreamEvent.js"
import { RequestUsage } from "../../Usage.js"

/** An object as `JSON.parse` makes them: its copy by the record Schema would have the same JSON. */
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  Object.getPrototypeOf(value) === Object.prototype &&
  !Object.hasOwn(value, "__proto__")

/** The fold's text of arguments: none for no arguments, else their JSON. */
const argsText = (args: ToolArgs): string =>
  typeof args === "string" ? args : Object.keys(args).length === 0 ? "" : JSON.stringify(args)

/**
 * Tool arguments as the fold leaves them: their JSON text parsed back. `decode` gives what a
 * block's input becomes in a streamed part (a copy of a JSON object, else its JSON text); a plain
 * object is turned to text directly, as its copy gives the same text.
 * @since 0.1.0
 * @category utils
 */
export const wholeToolArgs = (input: unknown, decode: (input: unknown) => ToolArgs): ToolArgs =>
  parseToolArgs(
    isPlainObject(input) ? (Object.keys(input).length === 0 ? "" : JSON.stringify(input)) : argsText(decode(input))
  )

/**
 * The response the fold of `parts` (each started and ended in order) and `metadata` gives,
 * stamped with `timestamp`: the fields the metadata leaves undefined are absent.
 * @since 0.1.0
 * @category utils
 */
export const wholeResponse = (
  parts: Array<ModelResponsePart>,
  metadata: Omit<ResponseMetadata, "_tag">,
  timestamp: Date
): ModelResponse =>
  // The parts and the usage are already instances: nothing to validate, and no copy of the props
  // (`Message.unvalidated`: the constructor's spread copy, then its added `_tag`, promoted every response).
  unvalidated(ModelResponse, {
    parts,
    usage: metadata.usage ?? RequestUsage.empty,
    ...(metadata.modelName === undefined ? {} : { modelName: metadata.modelName }),
    ...(metadata.finishReason === undefined ? {} : { finishReason: metadata.finishReason }),
    ...(metadata.providerResponseId === undefined ? {} : { providerResponseId: metadata.providerResponseId }),
    ...(metadata.providerDetails === undefined ? {} : { providerDetails: { ...metadata.providerDetails } }),
    ...(metadata.providerName === undefined ? {} : { providerName: metadata.providerName }),
    timestamp
  })
