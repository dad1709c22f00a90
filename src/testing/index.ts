/**
 * Fake models and recorded traffic for testing agents without a network: swap one Layer.
 *
 * @example
 * import { Effect } from "effect"
 * import { Message } from "effect-claude"
 * import { FunctionModel } from "effect-claude/testing"
 *
 * const model = FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "hi" })]))
 */
export * as FunctionModel from "./FunctionModel.js"
export * as MockAnthropicServer from "./MockAnthropicServer.js"
export * as TestModel from "./TestModel.js"
export * as Transcript from "./Transcript.js"
