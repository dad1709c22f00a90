/**
 * Toolsets: collections of tools an agent resolves at every step of a run. Combine them, filter
 * them (once, or per step from the `RunContext`), prefix or rename their tools, or build them per
 * run or per step with `dynamic`. An MCP server is a toolset too (`effect-claude/mcp`).
 *
 * Two tools with one name are a `DuplicateToolName` error naming where each came from, raised when
 * the toolset is resolved, so before the request that would offer both to the model.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { Tool, Toolset } from "effect-claude"
 *
 * const read = Tool.make("read", {
 *   parameters: Schema.Struct({ path: Schema.String }),
 *   handler: ({ path }) => Effect.succeed(`contents of ${path}`)
 * })
 * const write = Tool.make("write", {
 *   parameters: Schema.Struct({ path: Schema.String, text: Schema.String }),
 *   handler: () => Effect.succeed("ok")
 * })
 *
 * // `files_read` always; `files_write` only after the first step.
 * const files = Toolset.make([read, write], { label: "files" }).pipe(
 *   Toolset.filter((tool, context) => tool.name !== "write" || context.runStep > 1),
 *   Toolset.prefix("files")
 * )
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Pipeable from "effect/Pipeable"
import * as Schema from "effect/Schema"
import type { ToolCallPart } from "./Message.js"
import { RunContext } from "./RunContext.js"
import type * as Tool from "./Tool.js"
import { DeferredTypeId } from "./Tool.js"

/**
 * Identifies a `Toolset`.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/Toolset")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A tool and the label of the toolset it came from, so a name clash can say where both came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface SourcedTool<out E = never, out R = never> {
  readonly tool: Tool.Tool<string, E, R>
  readonly source: string
}

/**
 * The tools of one step, listed by a started toolset.
 *
 * @since 0.1.0
 * @category models
 */
export type StepTools<E, R> = Effect.Effect<ReadonlyArray<SourcedTool<E, R>>, E | DuplicateToolName, R | RunContext>

/**
 * A collection of tools resolved at each step of a run. `E` is what listing or calling its tools may
 * fail with, `R` what they need (besides `RunContext`, which the agent provides).
 *
 * @since 0.1.0
 * @category models
 */
export interface Toolset<out E = never, out R = never> extends Pipeable.Pipeable {
  readonly [TypeId]: TypeId
  /** Names the toolset in error messages. */
  readonly label: string
  /**
   * Starts the toolset for one run and gives the effect listing its tools at each step. State kept
   * for the run (e.g. a `dynamic` toolset built once per run) lives in what `start` returns.
   */
  readonly start: Effect.Effect<StepTools<E, R>>
}

/**
 * Any toolset, whatever it fails with or needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Toolset<unknown, unknown>

/**
 * The errors a toolset adds to a run.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<T> = T extends Toolset<infer E, infer _R> ? E : never

/**
 * The services a toolset adds to a run's requirements.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements<T> = T extends Toolset<infer _E, infer R> ? R : never

/**
 * Two tools offered to the model in one step have the same name; `sources` says where each came from.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateToolName extends Schema.TaggedError<DuplicateToolName>("effect-claude/Toolset/DuplicateToolName")(
  "DuplicateToolName",
  {
    message: Schema.String,
    name: Schema.String,
    sources: Schema.Array(Schema.String)
  }
) {}

const proto = {
  pipe() {
    // biome-ignore lint/complexity/noArguments: the Pipeable protocol passes its functions as arguments
    return Pipeable.pipeArguments(this, arguments)
  }
}

/**
 * Builds a toolset from its label and its `start`; the combinators below are built on it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStart = <E, R>(label: string, start: Effect.Effect<StepTools<E, R>>): Toolset<E, R> => {
  const toolset: Omit<Toolset<E, R>, "pipe"> = { [TypeId]: TypeId, label, start }
  return Object.assign(Object.create(proto), toolset)
}

/**
 * Options of `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  /** Names the toolset in error messages (default: `tools`). */
  readonly label?: string | undefined
}

/**
 * A fixed list of tools as a toolset.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <const Tools extends ReadonlyArray<Tool.Any>>(
  tools: Tools,
  options?: MakeOptions
): Toolset<Tool.Failure<Tools[number]>, Tool.Requirements<Tools[number]>> => {
  const label = options?.label ?? "tools"
  // Each tool's errors and requirements are part of the unions the toolset's type names.
  const sourced = tools.map((tool) => ({ tool, source: label })) as ReadonlyArray<
    SourcedTool<Tool.Failure<Tools[number]>, Tool.Requirements<Tools[number]>>
  >
  return fromStart(label, Effect.succeed(Effect.succeed(sourced)))
}

/**
 * The empty toolset.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: Toolset = make([], { label: "empty" })

/**
 * Fails when two tools have one name, naming the toolsets both came from.
 *
 * @since 0.1.0
 * @category utils
 */
export const checkUnique = <E, R>(
  tools: ReadonlyArray<SourcedTool<E, R>>
): Effect.Effect<ReadonlyArray<SourcedTool<E, R>>, DuplicateToolName> => {
  const seen = new Map<string, string>()
  for (const { source, tool } of tools) {
    const first = seen.get(tool.name)
    if (first !== undefined) {
      return Effect.fail(
        new DuplicateToolName({
          message: `Two tools are named '${tool.name}': one from ${first}, one from ${source}`,
          name: tool.name,
          sources: [first, source]
        })
      )
    }
    seen.set(tool.name, source)
  }
  return Effect.succeed(tools)
}

/**
 * All tools of several toolsets; a name offered by two of them is a `DuplicateToolName`.
 *
 * @since 0.1.0
 * @category utils
 */
export const combine = <const Toolsets extends ReadonlyArray<Any>>(
  ...toolsets: Toolsets
): Toolset<Failure<Toolsets[number]>, Requirements<Toolsets[number]>> => {
  // The union of the members' errors and requirements is what the combination's type names.
  const members = toolsets as ReadonlyArray<Toolset<Failure<Toolsets[number]>, Requirements<Toolsets[number]>>>
  const label = members.map((toolset) => toolset.label).join(" + ")
  return fromStart(
    label,
    Effect.map(
      Effect.forEach(members, (toolset) => toolset.start),
      (steps) =>
        Effect.flatMap(
          Effect.forEach(steps, (step) => step),
          (lists) => checkUnique(lists.flat())
        )
    )
  )
}

/** Starts a toolset and maps the tools of each of its steps. */
const mapStep = <E, R>(
  self: Toolset<E, R>,
  label: string,
  f: (tools: ReadonlyArray<SourcedTool<E, R>>, context: RunContext["Type"]) => ReadonlyArray<SourcedTool<E, R>>
): Toolset<E, R> =>
  fromStart(
    label,
    Effect.map(self.start, (step) =>
      Effect.flatMap(step, (tools) => Effect.map(RunContext, (context) => f(tools, context)))
    )
  )

/**
 * Keeps the tools for which `predicate` holds. It sees the `RunContext` of the step (usage,
 * messages, step number), so the model can be offered different tools at each step.
 *
 * @since 0.1.0
 * @category utils
 */
export const filter: {
  (predicate: (tool: Tool.Any, context: RunContext["Type"]) => boolean): <E, R>(self: Toolset<E, R>) => Toolset<E, R>
  <E, R>(self: Toolset<E, R>, predicate: (tool: Tool.Any, context: RunContext["Type"]) => boolean): Toolset<E, R>
} = dual(
  2,
  <E, R>(self: Toolset<E, R>, predicate: (tool: Tool.Any, context: RunContext["Type"]) => boolean): Toolset<E, R> =>
    mapStep(self, self.label, (tools, context) => tools.filter(({ tool }) => predicate(tool, context)))
)

/**
 * A tool under another name; what it does and how the model calls it stay the same.
 *
 * @since 0.1.0
 * @category utils
 */
export const renameTool = <E, R>(tool: Tool.Tool<string, E, R>, name: string): Tool.Tool<string, E, R> =>
  tool.name === name
    ? tool
    : Object.assign(Object.create(Object.getPrototypeOf(tool)), tool, {
        name,
        definition: { ...tool.definition, name }
      })

/**
 * Renames tools, `{ oldName: newName }`; tools not in the map keep their names.
 *
 * @since 0.1.0
 * @category utils
 */
export const rename: {
  (names: Readonly<Record<string, string>>): <E, R>(self: Toolset<E, R>) => Toolset<E, R>
  <E, R>(self: Toolset<E, R>, names: Readonly<Record<string, string>>): Toolset<E, R>
} = dual(
  2,
  <E, R>(self: Toolset<E, R>, names: Readonly<Record<string, string>>): Toolset<E, R> =>
    mapStep(self, self.label, (tools) =>
      tools.map((entry) => {
        const name = Object.hasOwn(names, entry.tool.name) ? names[entry.tool.name] : undefined
        return name === undefined ? entry : { tool: renameTool(entry.tool, name), source: entry.source }
      })
    )
)

/**
 * Puts `prefix_` before every tool name, so toolsets with the same tool names can be combined.
 *
 * @since 0.1.0
 * @category utils
 */
export const prefix: {
  (prefix: string): <E, R>(self: Toolset<E, R>) => Toolset<E, R>
  <E, R>(self: Toolset<E, R>, prefix: string): Toolset<E, R>
} = dual(
  2,
  <E, R>(self: Toolset<E, R>, prefix: string): Toolset<E, R> =>
    mapStep(self, self.label, (tools) =>
      tools.map(({ source, tool }) => ({ tool: renameTool(tool, `${prefix}_${tool.name}`), source }))
    )
)

/**
 * A call of a toolset's tool, as `needsApproval`'s check sees it: the tool's name and the
 * arguments decoded by the tool (for a tool built from a JSON Schema, e.g. an MCP server's, the
 * JSON object the model sent).
 *
 * @since 0.1.0
 * @category models
 */
export interface ApprovalCall {
  readonly toolName: string
  readonly args: unknown
}

/** A tool whose calls wait for approval when `needed` says so (or its own check does). */
const withApproval = <E, R>(
  tool: Tool.Tool<string, E, R>,
  needed: (args: unknown, call: ToolCallPart) => Effect.Effect<boolean, E, R | RunContext>
): Tool.Tool<string, E, R> => {
  const own = tool.deferral
  // An external tool is run by the program anyway: there is nothing to approve.
  if (own?._tag === "External") return tool
  const check =
    own?._tag === "Approval"
      ? (args: unknown, call: ToolCallPart) =>
          Effect.flatMap(needed(args, call), (yes) => (yes ? Effect.succeed(true) : own.needed(args, call)))
      : needed
  return Object.assign(Object.create(Object.getPrototypeOf(tool)), tool, {
    deferral: { _tag: "Approval", needed: check },
    [DeferredTypeId]: DeferredTypeId
  })
}

/**
 * Makes every call of a toolset's tools wait for approval (`true`), or the calls `check` picks. As
 * with `Tool.make`'s `needsApproval`: an `Approval.Approver` decides at once, else the run ends with
 * the calls pending (`DeferredTools.PendingCalls`) and `Agent.resume` continues it. Useful for an
 * MCP server's tools, which this program did not write.
 *
 * @since 0.1.0
 * @category utils
 */
export const needsApproval = <E, R, E2 = never, R2 = never>(
  self: Toolset<E, R>,
  check: true | ((call: ApprovalCall) => Effect.Effect<boolean, E2, R2>)
): Toolset<E | NoInfer<E2>, R | Exclude<NoInfer<R2>, RunContext>> & Tool.Deferred => {
  // Data first only: a pipeable overload beside it leaves an inline call in `Agent.make({ toolsets })`
  // untyped. The check's errors and requirements join the toolset's; every step provides `RunContext`.
  const widened = self as Toolset<E | E2, R | R2>
  const wrapped = mapStep(widened, self.label, (tools) =>
    tools.map(({ source, tool }) => ({
      source,
      tool: withApproval(tool, (args) => (check === true ? Effect.succeed(true) : check({ toolName: tool.name, args })))
    }))
  )
  return Object.assign(wrapped, { [DeferredTypeId]: DeferredTypeId }) as Toolset<E | E2, R | Exclude<R2, RunContext>> &
    Tool.Deferred
}

/**
 * Options of `dynamic`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DynamicOptions {
  /** Names the toolset in error messages (default: `dynamic`). */
  readonly label?: string | undefined
  /** Build the toolset at every step (default), or once per run and keep it for the run's other steps. */
  readonly per?: "step" | "run" | undefined
}

/**
 * A toolset built by an effect that may read the `RunContext` (e.g. the tools depend on the
 * prompt, the user or the step). It runs at every step, or once per run with `per: "run"`.
 *
 * @since 0.1.0
 * @category utils
 */
export const dynamic = <E, R, E2 = never, R2 = never>(
  build: Effect.Effect<Toolset<E, R> | ReadonlyArray<Tool.Tool<string, E, R>>, E2, R2>,
  options?: DynamicOptions
): Toolset<E | E2, R | Exclude<R2, RunContext>> => {
  const label = options?.label ?? "dynamic"
  const asToolset = (built: Toolset<E, R> | ReadonlyArray<Tool.Tool<string, E, R>>): Toolset<E, R> =>
    isToolset(built) ? built : make(built, { label })
  const startBuilt = Effect.flatMap(build, (built) => asToolset(built).start)
  const perStep = Effect.flatMap(startBuilt, (step) => step)
  const toolset =
    options?.per !== "run"
      ? fromStart(label, Effect.succeed(perStep))
      : fromStart(
          label,
          Effect.sync(() => {
            let started: StepTools<E, R> | undefined
            return Effect.suspend(() =>
              started !== undefined
                ? started
                : Effect.flatMap(startBuilt, (step) => {
                    started = step
                    return step
                  })
            )
          })
        )
  // Every step runs with the `RunContext` provided, so `build` needing it adds no requirement.
  return toolset as Toolset<E | E2, R | Exclude<R2, RunContext>>
}

/**
 * Lists a toolset's tools once (a fresh start, so `per: "run"` state is not kept), names checked.
 *
 * @since 0.1.0
 * @category utils
 */
export const resolve = <E, R>(
  toolset: Toolset<E, R>
): Effect.Effect<ReadonlyArray<Tool.Tool<string, E, R>>, E | DuplicateToolName, R | RunContext> =>
  Effect.flatMap(toolset.start, (step) =>
    Effect.map(Effect.flatMap(step, checkUnique), (tools) => tools.map(({ tool }) => tool))
  )

/**
 * Whether a value is a `Toolset`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isToolset = (value: unknown): value is Any =>
  typeof value === "object" && value !== null && TypeId in value
