/**
 * Instructions and system prompts that are computed: besides fixed strings, an agent takes Effects
 * giving text. They may read `RunContext` (the usage, the conversation, the step) and need services
 * (a user profile, the date), and run again before each request, so instructions can follow the run.
 * A result of `undefined` or blank text adds nothing.
 *
 * @example
 * import { Clock, Effect } from "effect"
 * import { Instructions, RunContext } from "effect-claude"
 *
 * const today: Instructions.Instruction = Effect.map(Clock.currentTimeMillis, (now) =>
 *   `Today is ${new Date(now).toDateString()}.`
 * )
 * const budget: Instructions.Instruction = Effect.map(RunContext.RunContext, (run) =>
 *   run.runStep > 3 ? "Answer now, without more tool calls." : undefined
 * )
 * const all = Instructions.compile(["Be brief.", today, budget])
 */
import * as Effect from "effect/Effect"
import type { RunContext } from "./RunContext.js"

/**
 * A fixed text, or an Effect computing it (run again before each request).
 *
 * @since 0.1.0
 * @category models
 */
export type Instruction<E = never, R = never> = string | Effect.Effect<string | undefined, E, R | RunContext>

/**
 * Any instruction, whatever it fails with or needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Instruction<unknown, unknown>

/**
 * What an instruction adds to a run's errors.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<I> = I extends Effect.Effect<infer _A, infer E, infer _R> ? E : never

/**
 * What an instruction adds to a run's requirements (`RunContext` is the agent's).
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements<I> = I extends Effect.Effect<infer _A, infer _E, infer R> ? Exclude<R, RunContext> : never

const separator = "\n\n"

const join = (texts: ReadonlyArray<string | undefined>): string | undefined => {
  const kept = texts.filter((text): text is string => text !== undefined && text.trim() !== "")
  return kept.length === 0 ? undefined : kept.join(separator)
}

/**
 * Whether every instruction is a fixed string.
 *
 * @since 0.1.0
 * @category guards
 */
export const isStatic = <E, R>(instructions: ReadonlyArray<Instruction<E, R>>): instructions is ReadonlyArray<string> =>
  instructions.every((instruction) => typeof instruction === "string")

/**
 * The Effect giving the text of all instructions, blank ones left out, joined by blank lines;
 * undefined when none has text. Fixed strings are joined once, here.
 *
 * @since 0.1.0
 * @category utils
 */
export const compile = <E, R>(
  instructions: ReadonlyArray<Instruction<E, R>>
): Effect.Effect<string | undefined, E, R | RunContext> => {
  if (isStatic(instructions)) return Effect.succeed(join(instructions))
  return Effect.map(
    Effect.all(
      instructions.map((instruction) => (typeof instruction === "string" ? Effect.succeed(instruction) : instruction))
    ),
    join
  )
}

/**
 * The texts of system prompts, in order, blank ones left out (each prompt stays its own part).
 *
 * @since 0.1.0
 * @category utils
 */
export const systemPrompts = <E, R>(
  prompts: ReadonlyArray<Instruction<E, R>>
): Effect.Effect<ReadonlyArray<string>, E, R | RunContext> => {
  const keep = (texts: ReadonlyArray<string | undefined>) =>
    texts.filter((text): text is string => text !== undefined && text.trim() !== "")
  if (isStatic(prompts)) return Effect.succeed(keep(prompts))
  return Effect.map(
    Effect.all(prompts.map((prompt) => (typeof prompt === "string" ? Effect.succeed(prompt) : prompt))),
    keep
  )
}
