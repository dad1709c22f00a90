/**
 * Preparing a request before it is sent: computed instructions (and system prompts at the start of a
 * new conversation) are evaluated with the run's `RunContext`, and the history processors turn the
 * conversation into what is sent. The run keeps its messages whole; only what is sent changes.
 * An agent with none of these never comes here.
 */
import * as Effect from "effect/Effect"
import * as HistoryProcessor from "../../HistoryProcessor.js"
import * as Instructions from "../../Instructions.js"
import { type ModelMessage, ModelRequest, SystemPromptPart } from "../../Message.js"
import { RunContext } from "../../RunContext.js"
import { trustedInput } from "../trustedInput.js"
import { type Run, runContext } from "./context.js"

/** Whether requests of this run need preparing. */
export const needsPreparing = <O, E, R>(run: Run<O, E, R>): boolean =>
  run.dynamicInstructions !== undefined ||
  run.dynamicSystemPrompts !== undefined ||
  run.agent.historyProcessors.length > 0

/** The request with its instructions (and a new conversation's system prompts) evaluated now. */
export const prepareRequest = <O, E, R>(
  run: Run<O, E, R>,
  request: ModelRequest
): Effect.Effect<ModelRequest, E, R> => {
  const { dynamicInstructions, dynamicSystemPrompts } = run
  if (dynamicInstructions === undefined && dynamicSystemPrompts === undefined) return Effect.succeed(request)
  const firstOfConversation = run.state.messages.length === 0
  const prompts = dynamicSystemPrompts !== undefined && firstOfConversation ? dynamicSystemPrompts : Effect.succeed([])
  const instructions = dynamicInstructions ?? Effect.succeed(request.instructions)
  return Effect.provideService(
    Effect.map(Effect.zip(prompts, instructions), ([texts, text]) => {
      const parts = [...texts.map((content) => new SystemPromptPart({ content }, trustedInput)), ...request.parts]
      return new ModelRequest(text === undefined ? { parts } : { parts, instructions: text }, trustedInput)
    }),
    RunContext,
    runContext(run, 0, 0, undefined, undefined)
  )
}

/** The conversation as sent with the next request: through the history processors, in order. */
export const processHistory = <O, E, R>(
  run: Run<O, E, R>,
  messages: ReadonlyArray<ModelMessage>
): Effect.Effect<ReadonlyArray<ModelMessage>, E, R> =>
  // `Agent.make` puts `ProcessingError` in the agent's `E` whenever it has processors, which is
  // when this runs.
  Effect.provideService(
    HistoryProcessor.apply(run.agent.historyProcessors, messages),
    RunContext,
    runContext(run, 0, 0, undefined, undefined)
  ) as Effect.Effect<ReadonlyArray<ModelMessage>, E, R>

/** The instructions' Effect when some are computed; undefined when all are fixed text. */
export const dynamicInstructionsOf = <E, R>(
  instructions: ReadonlyArray<Instructions.Instruction<E, R>>
): Effect.Effect<string | undefined, E, R | RunContext> | undefined =>
  Instructions.isStatic(instructions) ? undefined : Instructions.compile(instructions)

/** The system prompts' Effect when some are computed; undefined when all are fixed text. */
export const dynamicSystemPromptsOf = <E, R>(
  prompts: ReadonlyArray<Instructions.Instruction<E, R>>
): Effect.Effect<ReadonlyArray<string>, E, R | RunContext> | undefined =>
  Instructions.isStatic(prompts) ? undefined : Instructions.systemPrompts(prompts)
