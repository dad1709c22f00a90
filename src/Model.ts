/**
 * The `Model` service: one model of one provider, able to answer a conversation in one go or as a
 * stream of part events. Providers (`AnthropicModel.layer`) and fakes (`TestModel.layer`,
 * `FunctionModel.layer`) are Layers providing it, so swapping a model is swapping one Layer.
 *
 * @example
 * import { Effect } from "effect"
 * import { Message, Model } from "effect-claude"
 *
 * const ask = (question: string) =>
 *   Effect.gen(function* () {
 *     const model = yield* Model.Model
 *     const response = yield* model.request([Message.ModelRequest.user(question)], {}, Model.textParameters)
 *     return Message.responseText(response)
 *   })
 */
import { Context, type Effect, type Stream } from "effect"
import type { UnexpectedModelBehavior, UserError } from "./AgentError.js"
import type { BuiltinTool } from "./BuiltinTool.js"
import type { ModelMessage, ModelResponse } from "./Message.js"
import type { ModelSettings } from "./ModelSettings.js"
import type { ModelResponseStreamEvent } from "./StreamEvent.js"

/** A JSON Schema document (draft 2020-12 subset), as produced by `effect`'s `JSONSchema.make`. */
export type JsonSchema = Readonly<Record<string, unknown>>

/** A tool as the model sees it: a name, a description and the JSON Schema of its arguments. */
export interface ToolDefinition {
  readonly name: string
  readonly description?: string | undefined
  readonly parametersJsonSchema: JsonSchema
  /** `function`: a tool the agent runs; `output`: calling it gives the run's final output. */
  readonly kind: "function" | "output"
  /** Ask the provider to enforce the schema strictly, where it can. */
  readonly strict?: boolean | undefined
}

/**
 * How structured output is obtained: `text` (plain text answer), `tool` (the model calls an output
 * tool), `native` (the provider constrains the answer to a JSON Schema), `prompted` (the schema is
 * put in the instructions and the text answer is parsed).
 */
export type OutputMode = "text" | "tool" | "native" | "prompted"

/** The JSON Schema the answer must follow, for `native` and `prompted` output. */
export interface OutputObject {
  readonly name: string
  readonly description?: string | undefined
  readonly jsonSchema: JsonSchema
  readonly strict?: boolean | undefined
}

/** Everything about a request besides messages and settings: tools and how output is expected. */
export interface ModelRequestParameters {
  readonly functionTools: ReadonlyArray<ToolDefinition>
  readonly outputTools: ReadonlyArray<ToolDefinition>
  readonly builtinTools: ReadonlyArray<BuiltinTool>
  readonly outputMode: OutputMode
  /** Whether a plain text answer ends the run. When false the model must call a tool. */
  readonly allowTextOutput: boolean
  readonly outputObject?: OutputObject | undefined
}

/** Parameters of a request with no tools that expects a text answer. */
export const textParameters: ModelRequestParameters = {
  functionTools: [],
  outputTools: [],
  builtinTools: [],
  outputMode: "text",
  allowTextOutput: true
}

/**
 * What a model can do, so the agent picks a way to get structured output that the model accepts.
 */
export interface ModelProfile {
  /** Whether the model can be forced to call a tool while thinking is on (Anthropic: no). */
  readonly supportsForcedToolCallsWithThinking: boolean
  /** Whether the provider can constrain the answer to a JSON Schema (`native` output). */
  readonly supportsNativeOutput: boolean
}

/**
 * The errors a model request can fail with. Provider modules add theirs by declaration merging
 * (`effect-claude/anthropic` adds `anthropic: AnthropicError`), so a run's error channel names the
 * errors of the providers the program uses.
 */
export interface ModelErrors {
  readonly agent: UnexpectedModelBehavior | UserError
}

/** Any error of a model request. */
export type ModelError = ModelErrors[keyof ModelErrors]

/** The model service. */
export interface Service {
  /** The model's name as the provider knows it, e.g. `claude-sonnet-4-5`. */
  readonly modelName: string
  /** The provider's name, e.g. `anthropic`; parts carry it so provider-specific data goes back only there. */
  readonly providerName: string
  readonly profile: ModelProfile
  /** Settings this model was built with; the agent's and the run's settings are merged over them. */
  readonly settings: ModelSettings
  /** Answers a conversation in one response. */
  readonly request: (
    messages: ReadonlyArray<ModelMessage>,
    settings: ModelSettings,
    parameters: ModelRequestParameters
  ) => Effect.Effect<ModelResponse, ModelError>
  /** Answers a conversation as a stream of part events; folding it gives what `request` returns. */
  readonly requestStream: (
    messages: ReadonlyArray<ModelMessage>,
    settings: ModelSettings,
    parameters: ModelRequestParameters
  ) => Stream.Stream<ModelResponseStreamEvent, ModelError>
}

/** The model a program talks to. */
export class Model extends Context.Tag("effect-claude/Model")<Model, Service>() {}

/** A profile for models that accept every way of getting structured output. */
export const defaultProfile: ModelProfile = {
  supportsForcedToolCallsWithThinking: true,
  supportsNativeOutput: false
}
