/**
 * Anthropic's client-executed tools: Claude knows their input shapes, your program runs them.
 * Each is a `Tool` with an Effect handler, added beside the agent's own tools; the request
 * mapping sends its Anthropic definition (`memory_20250818`, `text_editor_20250728`,
 * `bash_20250124`, `computer_20251124`) and the beta it needs instead of a JSON Schema.
 *
 * - `memory()` runs the memory commands against the `MemoryStore` service.
 * - `textEditor`, `bash` and `computer` take the handler from you: there is no default shell or
 *   file access, so nothing runs that the program did not write.
 *
 * @example
 * import { Agent } from "effect-claude"
 * import { ClientTools } from "effect-claude/anthropic"
 *
 * const agent = Agent.make({ instructions: "Remember what matters.", tools: [ClientTools.memory()] })
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ModelRetry } from "../AgentError.js"
import * as Tool from "../Tool.js"
import type * as ToolContent from "../ToolContent.js"
import type { CacheSetting } from "./AnthropicSettings.js"
import { executeMemoryCommand, MemoryCommand } from "./internal/memoryCommands.js"
import type { MemoryStore } from "./MemoryStore.js"
import { definitionFields } from "./ServerTools.js"

export { MemoryCommand }

/**
 * Who may call a tool: Claude directly, or code it runs in a code execution tool of that version.
 *
 * @since 0.1.0
 * @category models
 */
export type AllowedCaller = "direct" | "code_execution_20250825" | "code_execution_20260120" | "code_execution_20260521"

/**
 * Options every Anthropic tool definition takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface DefinitionOptions {
  /** Leave the tool out of the prompt until tool search finds it (`defer_loading`). */
  readonly deferLoading?: boolean | undefined
  /** Who may call it (`allowed_callers`): e.g. only code in the code execution tool. */
  readonly allowedCallers?: ReadonlyArray<AllowedCaller> | undefined
  /** Example inputs shown to the model (`input_examples`). */
  readonly inputExamples?: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined
  /** A cache point after this tool's definition (`cache_control`). */
  readonly cacheControl?: CacheSetting | undefined
}

/**
 * What the request mapping sends for a client tool instead of a custom tool definition.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnthropicDefinition {
  /** The tool's body in `tools`, without `cache_control` (added by the mapping). */
  readonly tool: Readonly<Record<string, unknown>>
  /** The beta header the tool needs, if any. */
  readonly beta: string | undefined
  readonly cacheControl: CacheSetting | undefined
}

/**
 * A client tool: a `Tool` plus its Anthropic definition.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientTool<Name extends string, E, R> extends Tool.Tool<Name, E, R> {
  readonly anthropic: AnthropicDefinition
}

/**
 * Whether a tool is an Anthropic client tool.
 *
 * @since 0.1.0
 * @category guards
 */
export const isClientTool = (tool: Tool.Any): tool is ClientTool<string, unknown, unknown> =>
  "anthropic" in tool && typeof tool.anthropic === "object" && tool.anthropic !== null

/**
 * Whether a value is an `AnthropicDefinition` (as a tool definition's `providerDefinitions.anthropic`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isAnthropicDefinition = (value: unknown): value is AnthropicDefinition =>
  typeof value === "object" &&
  value !== null &&
  "tool" in value &&
  typeof value.tool === "object" &&
  value.tool !== null &&
  "beta" in value &&
  (value.beta === undefined || typeof value.beta === "string") &&
  "cacheControl" in value &&
  (value.cacheControl === undefined ||
    value.cacheControl === true ||
    value.cacheControl === "5m" ||
    value.cacheControl === "1h")

/**
 * The beta the memory tool needs.
 *
 * @since 0.1.0
 * @category utils
 */
export const memoryBeta = "context-management-2025-06-27"

const definition = (
  base: Readonly<Record<string, unknown>>,
  options: DefinitionOptions,
  beta: string | undefined
): AnthropicDefinition => {
  // The mapping places the cache point, after any tool the request adds last.
  const tool = { ...base, ...definitionFields({ ...options, cacheControl: undefined }) }
  return { tool, beta, cacheControl: options.cacheControl }
}

/** A `Tool` run by `handler` (one call at a time), sent as the Anthropic tool `type` with `fields`. */
const clientTool = <const Name extends string, A, I extends Readonly<Record<string, unknown>>, E, R>(
  name: Name,
  type: string,
  tool: {
    readonly description: string
    readonly parameters: Schema.Schema<A, I>
    readonly handler: (input: A) => Effect.Effect<string | ToolContent.ToolContent, E, R>
    readonly maxRetries?: number | undefined
  },
  wire: {
    readonly fields?: Readonly<Record<string, unknown>> | undefined
    readonly options: DefinitionOptions
    readonly beta?: string | undefined
  }
): ClientTool<Name, Exclude<E, ModelRetry>, R> => {
  const anthropic = definition({ type, name, ...wire.fields }, wire.options, wire.beta)
  return Object.assign(Tool.make(name, { ...tool, sequential: true, providerDefinitions: { anthropic } }), {
    anthropic
  })
}

// ---------------------------------------------------------------------------------------------

/**
 * Options of `memory`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions extends DefinitionOptions {
  /** Failed calls in a row the model may retry (malformed commands only: store errors are results). */
  readonly maxRetries?: number | undefined
}

/**
 * The memory tool (`memory_20250818`), run against the `MemoryStore` service.
 *
 * @since 0.1.0
 * @category utils
 */
export const memory = (options: MemoryOptions = {}): ClientTool<"memory", never, MemoryStore> =>
  clientTool(
    "memory",
    "memory_20250818",
    {
      description: "Claude's memory folder (/memories): view, create, str_replace, insert, delete and rename files",
      parameters: MemoryCommand,
      handler: executeMemoryCommand,
      maxRetries: options.maxRetries
    },
    { options, beta: memoryBeta }
  )

// ---------------------------------------------------------------------------------------------

/**
 * A command of the text editor tool (`text_editor_20250728`).
 *
 * @since 0.1.0
 * @category utils
 */
export const TextEditorCommand = Schema.Struct({
  command: Schema.Literal("view", "create", "str_replace", "insert", "undo_edit"),
  path: Schema.String,
  file_text: Schema.optional(Schema.String),
  old_str: Schema.optional(Schema.String),
  new_str: Schema.optional(Schema.String),
  insert_line: Schema.optional(Schema.Int),
  insert_text: Schema.optional(Schema.String),
  view_range: Schema.optional(Schema.Array(Schema.Int))
})

/**
 * A decoded text editor command.
 *
 * @since 0.1.0
 * @category models
 */
export type TextEditorCommand = typeof TextEditorCommand.Type

/**
 * Options of `textEditor`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TextEditorOptions<E, R> extends DefinitionOptions {
  /** Runs one command; its text is the tool's result. Fail with `ModelRetry` to report an error. */
  readonly handler: (command: TextEditorCommand) => Effect.Effect<string, E, R>
  /** Truncates what `view` shows of large files (`max_characters`). */
  readonly maxCharacters?: number | undefined
}

/**
 * The text editor tool (`str_replace_based_edit_tool`), run by your handler.
 *
 * @since 0.1.0
 * @category utils
 */
export const textEditor = <E, R>(
  options: TextEditorOptions<E, R>
): ClientTool<"str_replace_based_edit_tool", Exclude<E, ModelRetry>, R> =>
  clientTool(
    "str_replace_based_edit_tool",
    "text_editor_20250728",
    { description: "View and edit text files", parameters: TextEditorCommand, handler: options.handler },
    { fields: options.maxCharacters === undefined ? {} : { max_characters: options.maxCharacters }, options }
  )

// ---------------------------------------------------------------------------------------------

/**
 * A call of the bash tool: a command to run, or a restart of the shell session.
 *
 * @since 0.1.0
 * @category utils
 */
export const BashCommand = Schema.Struct({
  command: Schema.optional(Schema.String),
  restart: Schema.optional(Schema.Boolean)
})

/**
 * A decoded bash call.
 *
 * @since 0.1.0
 * @category models
 */
export type BashCommand = typeof BashCommand.Type

/**
 * Options of `bash`.
 *
 * @since 0.1.0
 * @category models
 */
export interface BashOptions<E, R> extends DefinitionOptions {
  /** Runs one command in your shell session (sandbox it); its output is the tool's result. */
  readonly handler: (command: BashCommand) => Effect.Effect<string, E, R>
}

/**
 * The bash tool (`bash_20250124`), run by your handler: no shell is provided.
 *
 * @since 0.1.0
 * @category utils
 */
export const bash = <E, R>(options: BashOptions<E, R>): ClientTool<"bash", Exclude<E, ModelRetry>, R> =>
  clientTool(
    "bash",
    "bash_20250124",
    { description: "Run shell commands", parameters: BashCommand, handler: options.handler },
    { options }
  )

// ---------------------------------------------------------------------------------------------

/**
 * An action of the computer use tool (`computer_20251124`); the fields used depend on `action`.
 *
 * @since 0.1.0
 * @category utils
 */
export const ComputerAction = Schema.Struct({
  action: Schema.Literal(
    "key",
    "hold_key",
    "type",
    "cursor_position",
    "mouse_move",
    "left_mouse_down",
    "left_mouse_up",
    "left_click",
    "left_click_drag",
    "right_click",
    "middle_click",
    "double_click",
    "triple_click",
    "scroll",
    "wait",
    "screenshot",
    "zoom"
  ),
  coordinate: Schema.optional(Schema.Tuple(Schema.Number, Schema.Number)),
  start_coordinate: Schema.optional(Schema.Tuple(Schema.Number, Schema.Number)),
  text: Schema.optional(Schema.String),
  duration: Schema.optional(Schema.Number),
  scroll_direction: Schema.optional(Schema.Literal("up", "down", "left", "right")),
  scroll_amount: Schema.optional(Schema.Number),
  region: Schema.optional(Schema.Tuple(Schema.Number, Schema.Number, Schema.Number, Schema.Number))
})

/**
 * A decoded computer action.
 *
 * @since 0.1.0
 * @category models
 */
export type ComputerAction = typeof ComputerAction.Type

/**
 * Options of `computer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ComputerOptions<E, R> extends DefinitionOptions {
  readonly displayWidthPx: number
  readonly displayHeightPx: number
  /** The X11 display number, where there are several. */
  readonly displayNumber?: number | undefined
  /** Allow the `zoom` action. */
  readonly enableZoom?: boolean | undefined
  /**
   * Performs one action. Its result is text, or a rich result holding a screenshot
   * (`ToolContent.make([ToolContent.image({ data, mediaType: "image/png" })])`), which Claude sees as
   * an image: answer `screenshot` (and `zoom`) that way.
   */
  readonly handler: (action: ComputerAction) => Effect.Effect<string | ToolContent.ToolContent, E, R>
}

/**
 * The beta the computer use tool needs.
 *
 * @since 0.1.0
 * @category utils
 */
export const computerUseBeta = "computer-use-2025-11-24"

/**
 * The computer use tool (`computer_20251124`), run by your handler.
 *
 * @since 0.1.0
 * @category utils
 */
export const computer = <E, R>(options: ComputerOptions<E, R>): ClientTool<"computer", Exclude<E, ModelRetry>, R> =>
  clientTool(
    "computer",
    "computer_20251124",
    {
      description: "Control a computer's screen, mouse and keyboard",
      parameters: ComputerAction,
      handler: options.handler
    },
    {
      fields: {
        display_width_px: options.displayWidthPx,
        display_height_px: options.displayHeightPx,
        ...(options.displayNumber === undefined ? {} : { display_number: options.displayNumber }),
        ...(options.enableZoom === undefined ? {} : { enable_zoom: options.enableZoom })
      },
      options,
      beta: computerUseBeta
    }
  )
