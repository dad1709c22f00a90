/**
 * Tools that wait for a human: `delete_file` needs approval (except under /tmp), `ship_order` is an
 * external tool the program runs itself. The first run stops with the pending calls; the
 * conversation is saved as JSON, loaded again, and the run resumes with one answer per call:
 * approve one deletion, deny the other, give the shipment's result. Run: `npx tsx examples/approval.ts`.
 */
import { Effect, Schema } from "effect"
import { Agent, DeferredTools, Message, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const deleteFile = Tool.make("delete_file", {
  description: "Deletes a file",
  parameters: Schema.Struct({ path: Schema.String }),
  handler: ({ path }) => Effect.succeed(`deleted ${path}`),
  needsApproval: ({ path }) => Effect.succeed(!path.startsWith("/tmp/"))
})

const shipOrder = Tool.external("ship_order", {
  description: "Ships an order; the warehouse system runs it",
  parameters: Schema.Struct({ orderId: Schema.Number })
})

const agent = Agent.make({ instructions: "Do what is asked with the tools.", tools: [deleteFile, shipOrder] })

/** Offline: three calls first, then a summary of the results the model was sent. */
const offline = FunctionModel.layer((messages) => {
  const last = messages.at(-1)
  if (last?._tag === "ModelRequest" && last.parts.some((part) => part._tag === "ToolReturnPart")) {
    const results = last.parts.flatMap((part) =>
      part._tag === "ToolReturnPart" ? [`${part.toolName}: ${JSON.stringify(part.content)}`] : []
    )
    return Effect.succeed([new Message.TextPart({ content: `Done.\n${results.join("\n")}` })])
  }
  return Effect.succeed([
    new Message.ToolCallPart({ toolName: "delete_file", toolCallId: "call_1", args: { path: "notes.txt" } }),
    new Message.ToolCallPart({ toolName: "delete_file", toolCallId: "call_2", args: { path: "thesis.tex" } }),
    new Message.ToolCallPart({ toolName: "ship_order", toolCallId: "call_3", args: { orderId: 42 } })
  ])
})

const program = Effect.gen(function* () {
  const first = yield* Agent.run(agent, "Delete notes.txt and thesis.tex, then ship order 42.")
  if (!DeferredTools.isPendingCalls(first.output)) return console.log(first.output)
  // `args` are decoded by the tool's Schema and typed per tool; `input` is what the model sent.
  for (const call of first.output.calls) {
    const args = call.toolName === "ship_order" ? `order ${call.args.orderId}` : `path ${call.args.path}`
    console.log(`pending (${call.kind}): ${call.toolName}, ${args}`, call.input)
  }

  // Save the conversation (a database, a file) and load it later, in another process.
  const saved = Schema.encodeSync(Message.HistoryFromJson)(first.messages)
  const history = Schema.decodeUnknownSync(Message.HistoryFromJson)(saved)

  const answers = first.output.calls.map((call) =>
    call.kind === "external"
      ? DeferredTools.result(call.toolCallId, { tracking: "1Z999" })
      : call.toolCallId === "call_2"
        ? DeferredTools.deny(call.toolCallId, "The thesis stays.")
        : DeferredTools.approve(call.toolCallId)
  )
  const resumed = yield* Agent.resume(agent, answers, { messageHistory: history })
  console.log(resumed.output)
})

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
