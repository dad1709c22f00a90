/**
 * The run loop, as a machine of three nodes: send a request (`ModelRequestNode`), handle the
 * response (`CallToolsNode`: run its tools or validate its output), or stop (`End`). `Agent.run`,
 * `Agent.runStream` and `Agent.iter` all drive this one machine: `next` runs one node as an Effect,
 * `stream` runs the rest as a Stream whose model chunks pass straight through.
 */
import {
  Cause,
  Chunk,
  Clock,
  Effect,
  Either,
  ExecutionStrategy,
  Exit,
  Mailbox,
  Option,
  Schema,
  Scope,
  Stream,
  type Tracer
} from "effect"
import type { Agent, AgentNode, End, ModelRequestNode, RunError, RunOptions, RunResult } from "../Agent.js"
import { ContentFilterError, IncompleteToolCall, UnexpectedModelBehavior, UserError } from "../AgentError.js"
import { type AgentEvent, runFinished, type ToolCallStarted, type ToolResult } from "../AgentEvent.js"
import {
  type ModelMessage,
  ModelRequest,
  type ModelRequestPart,
  ModelResponse,
  RetryPromptPart,
  SystemPromptPart,
  type ToolCallPart,
  toolCalls,
  type UserContent,
  UserPromptPart
} from "../Message.js"
import {
  Model,
  type ModelError,
  type ModelRequestParameters,
  type Service as ModelService,
  type OutputMode
} from "../Model.js"
import { ModelResponseBuilder as ResponseBuilder } from "../ModelResponseBuilder.js"
import * as ModelSettings from "../ModelSettings.js"
import { type OutputSpec, promptedInstructions } from "../Output.js"
import { RunContext, type Service as RunContextService } from "../RunContext.js"
import type { FinalResult, ModelResponseStreamEvent } from "../StreamEvent.js"
import type { Tool } from "../Tool.js"
import * as Toolset from "../Toolset.js"
import { DuplicateToolName, type StepTools } from "../Toolset.js"
import * as Usage from "../Usage.js"
import { answerText, parseJsonText, truncatedToolCall } from "./outputProcessing.js"
import { processToolCalls, recoverRetry } from "./toolExecution.js"

// Messages built here from values that are already valid (parts, usage, numbers) pass `true` to
// their Schema constructor to skip its validation: validating a message re-derives its Schema's
// type side each time and costs ~100 µs, more than the rest of a step.

/** What tool handling emits while streaming. */
export type LoopEvent = ToolCallStarted | ToolResult

/** Where a streamed run sends the events of tool handling. */
export type Emit = (events: Iterable<LoopEvent>) => Effect.Effect<void>

/** What changes while a run goes on. */
export interface State {
  readonly messages: Array<ModelMessage>
  /** Where this run's messages start in `messages`. */
  readonly newMessageIndex: number
  usage: Usage.RunUsage
  runStep: number
  /** Output retries used: invalid output, failed validators, empty answers. */
  outputRetries: number
  /** Failed calls in a row per tool name (unknown names too). */
  readonly toolRetries: Map<string, number>
}

/** What a run is made of; fixed when it starts. */
export interface Run<O, E, R> {
  readonly agent: Agent<O, E, R>
  readonly model: ModelService
  readonly settings: ModelSettings.ModelSettings
  readonly limits: Usage.UsageLimits
  readonly output: OutputSpec<O, E, R>
  readonly mode: OutputMode
  /** The tools and their definitions are listed again before every request when the agent has toolsets. */
  parameters: ModelRequestParameters
  readonly instructions: string | undefined
  tools: ReadonlyMap<string, Tool<string, E, R>>
  readonly outputToolName: string | undefined
  /** Every tool name the model may call, for the retry prompt about an unknown tool. */
  toolNames: ReadonlyArray<string>
  /** Lists the tools of each step (the agent's tools and toolsets), when the agent has toolsets. */
  readonly stepTools: StepTools<E, R> | undefined
  readonly prompt: string | ReadonlyArray<UserContent>
  readonly state: State
}

/** A started run. */
export interface Machine<O, E, R> {
  readonly start: ModelRequestNode
  readonly state: State
  /** Runs one node and gives the next. */
  readonly next: (node: AgentNode<O>) => Effect.Effect<AgentNode<O>, RunError<E>, R>
  /** Runs the rest of the run from `node`, streaming its events; the last is `RunFinished`. */
  readonly stream: (node: AgentNode<O>) => Stream.Stream<AgentEvent<O>, RunError<E>, R>
}

const defaultRequestLimit = 50

const thinkingEnabled = (settings: ModelSettings.ModelSettings): boolean =>
  settings.thinking !== undefined && settings.thinking !== false

const resolveMode = (
  output: OutputSpec<unknown, unknown, unknown>,
  model: ModelService,
  settings: ModelSettings.ModelSettings
): OutputMode => {
  if (output.mode !== "auto") return output.mode
  // Anthropic rejects a forced tool choice while thinking, so the output cannot come from a tool then.
  if (thinkingEnabled(settings) && !model.profile.supportsForcedToolCallsWithThinking) {
    return model.profile.supportsNativeOutput ? "native" : "prompted"
  }
  return "tool"
}

const mergeLimits = (agent: Usage.UsageLimits | undefined, run: Usage.UsageLimits | undefined): Usage.UsageLimits => ({
  requestLimit: run?.requestLimit ?? agent?.requestLimit ?? defaultRequestLimit,
  inputTokensLimit: run?.inputTokensLimit ?? agent?.inputTokensLimit,
  outputTokensLimit: run?.outputTokensLimit ?? agent?.outputTokensLimit,
  totalTokensLimit: run?.totalTokensLimit ?? agent?.totalTokensLimit,
  toolCallsLimit: run?.toolCallsLimit ?? agent?.toolCallsLimit
})

/** Starts a run: resolves the model, settings, limits, tools and output mode, builds the first request. */
export const make = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options: RunOptions
): Effect.Effect<Machine<O, E, R>, UserError, Model> =>
  // `flatMap` rather than `Effect.gen`: it runs once per run.
  Effect.flatMap(
    Effect.zip(Model, startToolsets(agent)),
    ([model, stepTools]): Effect.Effect<Machine<O, E, R>, UserError> => {
      const settings = ModelSettings.merge(model.settings, agent.settings, options.settings)
      const mode = resolveMode(agent.output, model, settings)
      const output = agent.output

      const tools = new Map<string, Tool<string, E, R>>()
      for (const tool of agent.tools) {
        if (tools.has(tool.name)) return Effect.fail(new UserError({ message: `Two tools are named '${tool.name}'` }))
        tools.set(tool.name, tool)
      }
      const outputTool =
        mode === "tool" && output.jsonSchema !== undefined
          ? {
              name: output.name,
              description: output.description ?? "The final response which ends this conversation",
              parametersJsonSchema: output.jsonSchema,
              kind: "output" as const,
              strict: output.strict
            }
          : undefined
      if (outputTool !== undefined && tools.has(outputTool.name)) {
        return Effect.fail(new UserError({ message: `A tool is named '${outputTool.name}', like the output tool` }))
      }
      const structuredText = (mode === "native" || mode === "prompted") && output.jsonSchema !== undefined
      const parameters: ModelRequestParameters = {
        functionTools: agent.tools.map((tool) => tool.definition),
        outputTools: outputTool === undefined ? [] : [outputTool],
        builtinTools: agent.builtinTools,
        outputMode: mode,
        allowTextOutput: mode !== "tool",
        outputObject:
          structuredText && output.jsonSchema !== undefined
            ? {
                name: output.name,
                description: output.description,
                jsonSchema: output.jsonSchema,
                strict: output.strict
              }
            : undefined
      }

      const instructionParts = [...agent.instructions]
      if (options.instructions !== undefined) instructionParts.push(options.instructions)
      if (mode === "prompted") instructionParts.push(promptedInstructions(output))
      const nonEmpty = instructionParts.filter((part) => part.trim() !== "")
      const instructions = nonEmpty.length === 0 ? undefined : nonEmpty.join("\n\n")

      const history = options.messageHistory ?? []
      const last = history.at(-1)
      if (last !== undefined && last._tag === "ModelResponse" && toolCalls(last).length > 0) {
        return Effect.fail(
          new UserError({
            message: "Cannot send a new prompt: the message history ends with tool calls that have no results"
          })
        )
      }
      const parts: Array<ModelRequestPart> =
        history.length === 0 ? agent.systemPrompts.map((content) => new SystemPromptPart({ content }, true)) : []
      // The prompt's type is checked by TypeScript; an array is copied, as validating it used to.
      parts.push(new UserPromptPart({ content: typeof prompt === "string" ? prompt : [...prompt] }, true))

      const state: State = {
        messages: [...history],
        newMessageIndex: history.length,
        usage: Usage.RunUsage.empty,
        runStep: 0,
        outputRetries: 0,
        toolRetries: new Map()
      }
      const run: Run<O, E, R> = {
        agent,
        model,
        settings,
        limits: mergeLimits(agent.usageLimits, options.usageLimits),
        output,
        mode,
        parameters,
        instructions,
        tools,
        outputToolName: outputTool?.name,
        toolNames: [...tools.keys(), ...(outputTool === undefined ? [] : [outputTool.name])],
        stepTools,
        prompt,
        state
      }
      const machine: Machine<O, E, R> = {
        start: { _tag: "ModelRequestNode", request: new ModelRequest({ parts, instructions }, true) },
        state,
        // Lazy, so the effect of `next` can be run again (or later), as with an `Effect.gen`.
        next: (node) => Effect.suspend(() => step(run, node)),
        stream: (node) => streamFrom(run, node)
      }
      return Effect.succeed(machine)
    }
  )

const step = <O, E, R>(run: Run<O, E, R>, node: AgentNode<O>): Effect.Effect<AgentNode<O>, RunError<E>, R> => {
  switch (node._tag) {
    case "ModelRequestNode":
      return sendRequest(run, node.request)
    case "CallToolsNode":
      return handleResponse(run, node.response, undefined)
    case "End":
      return Effect.succeed(node)
  }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** Checks the request limit and records the request as sent. */
const beginRequest = <O, E, R>(
  run: Run<O, E, R>,
  request: ModelRequest
): Effect.Effect<void, Usage.UsageLimitExceeded | E, R> =>
  Effect.suspend(() => {
    const { state } = run
    const begun = Effect.map(Usage.checkBeforeRequest(run.limits, state.usage), () => {
      state.messages.push(request)
      state.runStep += 1
    })
    return run.stepTools === undefined
      ? begun
      : Effect.zipRight(
          begun,
          Effect.suspend(() => resolveTools(run))
        )
  })

/** Starts the agent's tools and toolsets for a run, when it has toolsets (a plain list needs no start). */
const startToolsets = <O, E, R>(agent: Agent<O, E, R>): Effect.Effect<StepTools<E, R> | undefined> =>
  agent.toolsets.length === 0
    ? Effect.succeed(undefined)
    : Toolset.combine(Toolset.make(agent.tools, { label: "the agent's tools" }), ...agent.toolsets).start

/**
 * Lists this step's tools and offers them in the next request. `Agent.make` puts `DuplicateToolName`
 * in the agent's `E` whenever it has toolsets, which is when this runs.
 */
const resolveTools = <O, E, R>(run: Run<O, E, R>): Effect.Effect<void, E, R> =>
  resolveStepTools(run) as Effect.Effect<void, E, R>

const resolveStepTools = <O, E, R>(run: Run<O, E, R>): Effect.Effect<void, E | DuplicateToolName, R> =>
  Effect.flatMap(
    Effect.provideService(run.stepTools!, RunContext, runContext(run, 0, 0, undefined, undefined)),
    (sourced) => {
      const tools = new Map<string, Tool<string, E, R>>()
      for (const { tool } of sourced) tools.set(tool.name, tool)
      const outputTool = run.outputToolName
      if (outputTool !== undefined && tools.has(outputTool)) {
        const source = sourced.find(({ tool }) => tool.name === outputTool)!.source
        return Effect.fail(
          new DuplicateToolName({
            message: `Two tools are named '${outputTool}': one from ${source}, one is the output tool`,
            name: outputTool,
            sources: [source, "the output"]
          })
        )
      }
      run.tools = tools
      run.toolNames = [...tools.keys(), ...(outputTool === undefined ? [] : [outputTool])]
      run.parameters = { ...run.parameters, functionTools: sourced.map(({ tool }) => tool.definition) }
      return Effect.void
    }
  )

/**
 * Accounts for one model response: its usage and the token limits. A paused turn (`suspended`) is
 * continued by sending the conversation with the paused response as it is; the parts of every
 * continuation are merged into one response. Gives the merged response, and whether to continue.
 */
const accountResponse = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  previous: ModelResponse | undefined,
  continuation: number
): Effect.Effect<Accounted, RunError<E>> => {
  // Called when the response has arrived (inside a `flatMap`), so updating the state here is in order.
  const { state } = run
  state.usage = Usage.addRequest(state.usage, response.usage)
  return Effect.flatMap(Usage.checkTokens(run.limits, state.usage), (): Effect.Effect<Accounted, RunError<E>> => {
    const merged = previous === undefined ? response : mergeResponses(previous, response)
    if (response.finishReason !== "suspended") {
      state.messages.push(merged)
      return Effect.succeed<Accounted>({ merged, paused: false })
    }
    if (continuation >= run.agent.maxContinuations) {
      return Effect.fail(
        new UnexpectedModelBehavior({
          message: `The model paused its turn ${continuation + 1} times; stopped after ${run.agent.maxContinuations} continuations`
        })
      )
    }
    return Effect.as(Usage.checkBeforeRequest(run.limits, state.usage), { merged, paused: true })
  })
}

/** A response accounted for: merged with the paused ones it continues, and whether it paused again. */
interface Accounted {
  readonly merged: ModelResponse
  readonly paused: boolean
}

/** The messages of the next request: the conversation, then the paused response being continued. */
const messagesToSend = <O, E, R>(run: Run<O, E, R>, paused: ModelResponse | undefined) =>
  prepareMessages(paused === undefined ? run.state.messages : [...run.state.messages, paused])

// The request path is plain `flatMap`s rather than `Effect.gen`: it runs once per step of every run,
// and a generator per call costs more than the steps' own work.

const sendRequest = <O, E, R>(run: Run<O, E, R>, request: ModelRequest): Effect.Effect<AgentNode<O>, RunError<E>, R> =>
  Effect.flatMap(beginRequest(run, request), () => requestResponse(run, undefined, 0))

/** Sends the conversation (continuing `paused`), accounts for the response, continues while it pauses. */
const requestResponse = <O, E, R>(
  run: Run<O, E, R>,
  paused: ModelResponse | undefined,
  continuation: number
): Effect.Effect<AgentNode<O>, RunError<E>> =>
  Effect.flatMap(chat(run, paused), (response) =>
    Effect.flatMap(accountResponse(run, response, paused, continuation), (accounted) =>
      accounted.paused
        ? requestResponse(run, accounted.merged, continuation + 1)
        : Effect.succeed<AgentNode<O>>({ _tag: "CallToolsNode", response: accounted.merged })
    )
  )

/** One model request; the model's service opens its chat span (`Model.make`). */
const chat = <O, E, R>(run: Run<O, E, R>, paused: ModelResponse | undefined) =>
  run.model.request(messagesToSend(run, paused), run.settings, run.parameters)

/** Where a streamed run takes its next events from. */
type Source<O, E> =
  | { readonly _tag: "Node"; readonly node: AgentNode<O> }
  | ModelSource
  | ToolsSource<O, E>
  | { readonly _tag: "Done" }

/** A model response being streamed, in a scope of its own (its chat span, its HTTP request). */
interface ModelSource {
  readonly _tag: "Model"
  readonly pull: Effect.Effect<Chunk.Chunk<ModelResponseStreamEvent>, Option.Option<ModelError>>
  readonly scope: Scope.CloseableScope
  readonly builder: ResponseBuilder
  readonly paused: ModelResponse | undefined
  readonly continuation: number
}

/** The tool calls of a response being run in a fiber of their own, their events sent to a mailbox. */
interface ToolsSource<O, E> {
  readonly _tag: "Tools"
  readonly mailbox: Mailbox.ReadonlyMailbox<AgentEvent<O>, RunError<E>>
  readonly scope: Scope.CloseableScope
  /** The node after the response, once its handling is done. */
  readonly next: () => AgentNode<O> | undefined
}

/**
 * The streamed run from `node` on, as one pull-based stream: each pull gives the next chunk of
 * events, from the node's model stream (its chunks pass straight through: one fold per chunk, no
 * fiber hand-off) or from the tool calls it runs (in a fiber of their own, so their events arrive
 * live). One stream whose state moves from node to node, rather than a stream nested per step:
 * each nested stream operator costs its own channel machinery on every step.
 */
const streamFrom = <O, E, R>(run: Run<O, E, R>, node: AgentNode<O>): Stream.Stream<AgentEvent<O>, RunError<E>, R> =>
  Stream.fromPull(Effect.map(Effect.scope, (scope) => makePull(run, node, scope)))

type Pull<O, E, R> = Effect.Effect<Chunk.Chunk<AgentEvent<O>>, Option.Option<RunError<E>>, R>

const makePull = <O, E, R>(run: Run<O, E, R>, start: AgentNode<O>, scope: Scope.Scope): Pull<O, E, R> => {
  let source: Source<O, E> = { _tag: "Node", node: start }

  const fail = <A>(effect: Effect.Effect<A, RunError<E>, R>): Effect.Effect<A, Option.Option<RunError<E>>, R> =>
    Effect.mapError(effect, Option.some)

  const fromNode = (node: AgentNode<O>): Pull<O, E, R> => {
    switch (node._tag) {
      case "ModelRequestNode":
        return Effect.zipRight(fail(beginRequest(run, node.request)), startModel(undefined, 0))
      case "CallToolsNode":
        return startHandling(node.response)
      case "End":
        source = { _tag: "Done" }
        return Effect.as(
          Effect.annotateCurrentSpan(usageAttributes(node.result)),
          Chunk.make<[AgentEvent<O>, AgentEvent<O>]>(node.finalResult, runFinished(node.result))
        )
    }
  }

  /**
   * Starts streaming one response (continuing `paused`) in a child scope holding its chat span and
   * the model stream: `Stream.withSpan`, with the span handled here, where the stream's end is seen.
   */
  const startModel = (paused: ModelResponse | undefined, continuation: number): Pull<O, E, R> =>
    Effect.flatMap(Scope.fork(scope, ExecutionStrategy.sequential), (child) => {
      const events = run.model.requestStream(messagesToSend(run, paused), run.settings, run.parameters)
      return Effect.flatMap(Scope.extend(Stream.toPull(events), child), (pull) => {
        source = {
          _tag: "Model",
          pull,
          scope: child,
          builder: new ResponseBuilder(),
          paused,
          continuation
        }
        return next
      })
    })

  const fromModel = (model: ModelSource): Pull<O, E, R> =>
    Effect.matchCauseEffect(model.pull, {
      onSuccess: (chunk): Pull<O, E, R> => {
        model.builder.addAll(chunk)
        if (Chunk.isEmpty(chunk)) return next
        const offset = model.paused?.parts.length ?? 0
        return Effect.succeed(offset === 0 ? chunk : shiftIndexes(chunk, offset))
      },
      onFailure: (cause): Pull<O, E, R> => {
        const failure = Cause.failureOption(cause)
        if (Option.isNone(failure) || Option.isSome(failure.value)) {
          // The stream failed: its scope (and the model's chat span) ends with the failure.
          const streamCause = Cause.map(cause, (error) => (Option.isSome(error) ? error.value : error))
          return Effect.zipRight(Scope.close(model.scope, Exit.failCause(streamCause)), Effect.failCause(cause))
        }
        // The stream ended: the response is complete; close its scope, account for it, then go on.
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const response = model.builder.response(new Date(now))
          return Effect.zipRight(
            Scope.close(model.scope, Exit.void),
            Effect.flatMap(fail(accountResponse(run, response, model.paused, model.continuation)), (accounted) =>
              accounted.paused ? startModel(accounted.merged, model.continuation + 1) : startHandling(accounted.merged)
            )
          )
        })
      }
    })

  /** Handles a response: its tool calls run in a fiber of their own, whose events are pulled live. */
  const startHandling = (response: ModelResponse): Pull<O, E, R> => {
    // Without function-tool calls nothing is emitted while the response is handled: no fiber needed.
    if (toolCalls(response).length === 0) {
      return Effect.flatMap(fail(handleResponse(run, response, undefined)), (node) => {
        source = { _tag: "Node", node }
        return next
      })
    }
    return Effect.flatMap(Scope.fork(scope, ExecutionStrategy.sequential), (child) =>
      Effect.flatMap(Mailbox.make<AgentEvent<O>, RunError<E>>(), (mailbox) => {
        let after: AgentNode<O> | undefined
        const emit: Emit = (events) => Effect.asVoid(mailbox.offerAll(events))
        const handling = Effect.suspend(() => handleResponse(run, response, emit)).pipe(
          Effect.tap((node) => {
            after = node
          }),
          Mailbox.into(mailbox)
        )
        return Effect.zipRight(
          Scope.extend(Effect.forkScoped(handling), child),
          Effect.suspend(() => {
            source = { _tag: "Tools", mailbox, scope: child, next: () => after }
            return next
          })
        )
      })
    )
  }

  const fromTools = (tools: ToolsSource<O, E>): Pull<O, E, R> =>
    Effect.flatMap(fail(tools.mailbox.takeAll), ([chunk, done]): Pull<O, E, R> => {
      if (!done) return Chunk.isEmpty(chunk) ? next : Effect.succeed(chunk)
      const after = tools.next()
      source = after === undefined ? { _tag: "Done" } : { _tag: "Node", node: after }
      return Effect.zipRight(Scope.close(tools.scope, Exit.void), Chunk.isEmpty(chunk) ? next : Effect.succeed(chunk))
    })

  const next: Pull<O, E, R> = Effect.suspend(() => {
    switch (source._tag) {
      case "Node":
        return fromNode(source.node)
      case "Model":
        return fromModel(source)
      case "Tools":
        return fromTools(source)
      case "Done":
        return Effect.fail(Option.none())
    }
  })
  return next
}

/** Sets the attributes of the run span once the run is over. */
export const annotateUsage = <O>(span: Pick<Tracer.Span, "attribute">, result: RunResult<O>): void => {
  span.attribute("gen_ai.usage.input_tokens", result.usage.inputTokens)
  span.attribute("gen_ai.usage.output_tokens", result.usage.outputTokens)
  span.attribute("effect_claude.usage.requests", result.usage.requests)
  span.attribute("effect_claude.usage.tool_calls", result.usage.toolCalls)
}

/** The attributes `annotateUsage` sets, as a record for `annotateCurrentSpan`. */
const usageAttributes = <O>(result: RunResult<O>): Record<string, unknown> => {
  const attributes: Record<string, unknown> = {}
  annotateUsage(recorder(attributes), result)
  return attributes
}

/** Something with the `attribute` method of a span that records the attributes set on it. */
const recorder = (attributes: Record<string, unknown>): Pick<Tracer.Span, "attribute"> => ({
  attribute: (key, value) => {
    attributes[key] = value
  }
})

/** A continuation's events, renumbered to follow the parts of the responses it continues. */
const shiftIndexes = (chunk: Chunk.Chunk<ModelResponseStreamEvent>, offset: number) => {
  const shifted: Array<ModelResponseStreamEvent> = []
  for (const event of chunk) {
    shifted.push(event._tag === "ResponseMetadata" ? event : { ...event, index: event.index + offset })
  }
  return Chunk.unsafeFromArray(shifted)
}

const mergeResponses = (first: ModelResponse, next: ModelResponse): ModelResponse =>
  new ModelResponse(
    {
      parts: [...first.parts, ...next.parts],
      usage: Usage.addRequestUsage(first.usage, next.usage),
      modelName: next.modelName ?? first.modelName,
      finishReason: next.finishReason,
      providerResponseId: next.providerResponseId ?? first.providerResponseId,
      providerDetails:
        first.providerDetails === undefined && next.providerDetails === undefined
          ? undefined
          : { ...first.providerDetails, ...next.providerDetails },
      providerName: next.providerName ?? first.providerName,
      timestamp: next.timestamp
    },
    true
  )

/**
 * The messages as sent: consecutive requests (tool results kept after a final result, then the next
 * run's prompt) become one, so providers see alternating turns. A copy, so a model keeping the
 * array never sees later messages.
 */
const prepareMessages = (messages: ReadonlyArray<ModelMessage>): ReadonlyArray<ModelMessage> => {
  const prepared: Array<ModelMessage> = []
  for (const message of messages) {
    const previous = prepared.at(-1)
    if (message._tag === "ModelRequest" && previous !== undefined && previous._tag === "ModelRequest") {
      prepared[prepared.length - 1] = new ModelRequest(
        {
          parts: [...previous.parts, ...message.parts],
          instructions: message.instructions ?? previous.instructions
        },
        true
      )
    } else {
      prepared.push(message)
    }
  }
  return prepared
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

const encodeResponse = Schema.encodeSync(Schema.parseJson(ModelResponse))

const rawFinishReason = (response: ModelResponse): string => {
  const details = response.providerDetails ?? {}
  for (const key of ["finishReason", "stopReason", "finish_reason", "stop_reason"]) {
    const value = details[key]
    if (typeof value === "string") return value
  }
  return response.finishReason ?? "content_filter"
}

const handleResponse = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  emit: Emit | undefined
): Effect.Effect<AgentNode<O>, RunError<E>, R> => {
  // Called when the node runs (inside `suspend` or a `flatMap`); plain code, like the request path.
  if (response.finishReason === "content_filter") {
    return Effect.fail(
      new ContentFilterError({
        message: `Content filter triggered. Finish reason: '${rawFinishReason(response)}'`,
        body: encodeResponse(response)
      })
    )
  }
  if (response.parts.length === 0) {
    if (response.finishReason === "length") {
      return Effect.fail(
        new UnexpectedModelBehavior({
          message: `Model token limit (${run.settings.maxTokens ?? "provider default"}) exceeded before any response was generated. Increase the maxTokens setting, or simplify the prompt.`
        })
      )
    }
    return retryOutput(run, new RetryPromptPart({ content: pleaseAnswer(run) }, true))
  }
  const truncated = truncatedToolCall(response)
  if (truncated !== undefined) {
    return Effect.fail(
      new IncompleteToolCall({
        message: `Model token limit (${run.settings.maxTokens ?? "provider default"}) exceeded while generating a tool call, so its arguments are incomplete. Increase the maxTokens setting, or simplify the prompt so the answer fits.`,
        toolName: truncated.toolName,
        toolCallId: truncated.toolCallId
      })
    )
  }
  const calls = toolCalls(response)
  if (calls.length > 0) {
    return Effect.map(processToolCalls(run, calls, emit), (outcome): AgentNode<O> => {
      if (outcome.final === undefined) return nextRequest(run, outcome.parts)
      // Keep the tool results, so the history has no unanswered tool call and can be continued.
      run.state.messages.push(new ModelRequest({ parts: outcome.parts }, true))
      return end(run, response, outcome.final.output, outcome.final.call)
    })
  }
  const text = answerText(response)
  if (run.parameters.allowTextOutput && text !== "") return handleText(run, response, text)
  return retryOutput(run, new RetryPromptPart({ content: pleaseAnswer(run) }, true))
}

const handleText = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  text: string
): Effect.Effect<AgentNode<O>, RunError<E>, R> => {
  const raw = run.mode === "text" ? Either.right(text) : parseJsonText(text)
  if (Either.isLeft(raw)) return retryOutput(run, new RetryPromptPart({ content: raw.left }, true))
  return Effect.flatMap(
    processOutput(run, raw.right, undefined),
    (processed): Effect.Effect<AgentNode<O>, RunError<E>, R> =>
      Either.isLeft(processed)
        ? retryOutput(run, new RetryPromptPart({ content: processed.left }, true))
        : Effect.succeed(end(run, response, processed.right, undefined))
  )
}

/** Runs the output's decoding and validators; a retry (invalid output, `ModelRetry`) is the left side. */
export const processOutput = <O, E, R>(
  run: Run<O, E, R>,
  raw: unknown,
  call: ToolCallPart | undefined
): Effect.Effect<Either.Either<O, string>, E, R> =>
  recoverRetry(
    Effect.provideService(
      run.output.process(raw),
      RunContext,
      runContext(run, run.state.outputRetries, run.agent.outputRetries, call?.toolName, call?.toolCallId)
    )
  )

/** The `RunContext` a handler or validator sees, with a snapshot of the conversation. */
export const runContext = <O, E, R>(
  run: Run<O, E, R>,
  retry: number,
  maxRetries: number,
  toolName: string | undefined,
  toolCallId: string | undefined
): RunContextService => ({
  agentName: run.agent.name,
  modelName: run.model.modelName,
  prompt: run.prompt,
  usage: run.state.usage,
  messages: run.state.messages.slice(),
  runStep: run.state.runStep,
  retry,
  maxRetries,
  toolName,
  toolCallId
})

const pleaseAnswer = <O, E, R>(run: Run<O, E, R>): string => {
  const alternatives: Array<string> = []
  if (run.parameters.allowTextOutput) alternatives.push("return text")
  if (run.mode === "tool") alternatives.push("include your response in a tool call")
  else if (run.tools.size > 0) alternatives.push("call a tool")
  return `Please ${alternatives.join(" or ")}.`
}

/** Asks the model to answer again, counting an output retry; fails once they are used up. */
const retryOutput = <O, E, R>(
  run: Run<O, E, R>,
  part: RetryPromptPart
): Effect.Effect<ModelRequestNode, UnexpectedModelBehavior> => {
  run.state.outputRetries += 1
  if (run.state.outputRetries > run.agent.outputRetries) {
    return Effect.fail(
      new UnexpectedModelBehavior({
        message: `Exceeded maximum retries (${run.agent.outputRetries}) for output validation`,
        body: part.content
      })
    )
  }
  return Effect.succeed(nextRequest(run, [part]))
}

const nextRequest = <O, E, R>(run: Run<O, E, R>, parts: ReadonlyArray<ModelRequestPart>): ModelRequestNode => ({
  _tag: "ModelRequestNode",
  request: new ModelRequest({ parts, instructions: run.instructions }, true)
})

const end = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  output: O,
  call: ToolCallPart | undefined
): End<O> => {
  const { state } = run
  const finalResult: FinalResult =
    call === undefined
      ? { _tag: "FinalResult" }
      : { _tag: "FinalResult", toolName: call.toolName, toolCallId: call.toolCallId }
  return {
    _tag: "End",
    finalResult,
    result: {
      output,
      usage: state.usage,
      messages: state.messages.slice(),
      newMessages: state.messages.slice(state.newMessageIndex),
      response
    }
  }
}
