/**
 * Output functions and unions: a travel agent that ends a conversation one of three ways. It books
 * (an output function: the model's arguments go to an Effect that needs a `Bookings` service and may
 * send the model back), refuses (structured output), or asks a question in plain text (`Output.text`
 * as a member). The run's output is typed as the union of the three. Run: `npx tsx examples/output-functions.ts`.
 */
import { Context, Effect, Schema } from "effect"
import { Agent, AgentError, Message, Output } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

class SoldOut extends Schema.TaggedError<SoldOut>()("SoldOut", { flight: Schema.String }) {}

class Bookings extends Context.Tag("Bookings")<
  Bookings,
  { readonly book: (flight: string, seats: number) => Effect.Effect<string, SoldOut> }
>() {}

const Flight = Schema.Struct({
  flight: Schema.String.annotations({ description: "Flight number, e.g. LH400" }),
  seats: Schema.Int
})
const Refusal = Schema.Struct({ reason: Schema.String })

/** Books the flight: more than 9 seats goes back to the model; a sold-out flight fails the run, typed. */
const book = Output.fn(
  Flight,
  ({ flight, seats }) =>
    Effect.gen(function* () {
      if (seats > 9) return yield* new AgentError.ModelRetry({ message: "At most 9 seats per booking: ask for fewer" })
      const bookings = yield* Bookings
      const reference = yield* bookings.book(flight, seats)
      return { reference, flight, seats }
    }),
  { name: "book_flight", description: "Books seats on a flight; ends the conversation" }
)

const agent = Agent.make({
  instructions: "You book flights. Book, refuse, or ask one question when the request is unclear.",
  output: Output.union(book, Output.tool(Refusal, { name: "refuse", description: "Refuse the request" }), Output.text)
})

/** Shows which way the run ended; the output's type is the union of the members'. */
const describe = (output: Output.Success<typeof agent.output>): string =>
  typeof output === "string"
    ? `asked: ${output}`
    : "reference" in output
      ? `booked ${output.seats} seats on ${output.flight}: ${output.reference}`
      : `refused: ${output.reason}`

/** Offline: answers by the prompt; the booking first asks for 12 seats, then for 9 after the retry. */
const offline = FunctionModel.layer((messages) => {
  const prompt = JSON.stringify(messages[0])
  const retried = messages.some(
    (message) => message._tag === "ModelRequest" && message.parts.some((part) => part._tag === "RetryPromptPart")
  )
  const id = `call_${messages.length}`
  if (prompt.includes("Frankfurt")) {
    const args = { flight: "LH400", seats: retried ? 9 : 12 }
    return Effect.succeed([new Message.ToolCallPart({ toolName: "book_flight", args, toolCallId: id })])
  }
  if (prompt.includes("Moon")) {
    const args = { reason: "There are no flights to the Moon." }
    return Effect.succeed([new Message.ToolCallPart({ toolName: "refuse", args, toolCallId: id })])
  }
  return Effect.succeed([new Message.TextPart({ content: "Where would you like to fly, and when?" })])
})

const bookings = Bookings.of({
  book: (flight, seats) =>
    flight === "XX0" ? Effect.fail(new SoldOut({ flight })) : Effect.succeed(`${flight}-${seats}-Q7`)
})

const program = Effect.gen(function* () {
  for (const prompt of ["A group of 12 to Frankfurt on LH400", "Fly me to the Moon", "I need a flight"]) {
    const result = yield* Agent.run(agent, prompt)
    console.log(`${prompt} -> ${describe(result.output)} (${result.usage.requests} requests)`)
  }
})

Effect.runPromise(
  program.pipe(
    Effect.catchTag("SoldOut", (error) => Effect.sync(() => console.log(`sold out: ${error.flight}`))),
    Effect.provideService(Bookings, bookings),
    Effect.provide(exampleModel(offline))
  )
).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
