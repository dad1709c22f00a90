/**
 * The main job: an agent with two tools (weather + calculator) whose answer streams to the
 * terminal live, with a line per tool call and result and a usage summary at the end.
 *
 * With `ANTHROPIC_API_KEY` set it talks to Claude (`ANTHROPIC_MODEL` picks the model). Without it,
 * it runs offline against the bundled loopback Anthropic server, through the same SDK, HTTP client
 * and SSE parsing as the real thing.
 *
 * Run: `npm run demo`
 */
import { NodeHttpClient } from "@effect/platform-node"
import { type ConfigError, Effect, Layer, Redacted, Stream } from "effect"
import { Agent, AgentEvent, type Model } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { script } from "./demo/offlineClaude.js"
import { calculate, getWeather, WeatherApiTable } from "./demo/tools.js"

const modelName = process.env.ANTHROPIC_MODEL ?? "claude-sonnet-4-6"
const online = (process.env.ANTHROPIC_API_KEY ?? "") !== ""

/** Claude over the real API: key and base URL from the environment. */
const claude = AnthropicModel.layer(modelName).pipe(
  Layer.provide(AnthropicClient.layerConfig()),
  Layer.provide(NodeHttpClient.layerUndici)
)

/** The same model layers, pointed at the loopback server for as long as the program runs. */
const offline = Layer.unwrapScoped(
  Effect.gen(function* () {
    const server = yield* MockAnthropicServer.make(script)
    return AnthropicModel.layer(modelName).pipe(
      Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("offline-demo-key"), baseURL: server.baseURL })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
  })
)

const model: Layer.Layer<Model.Model, ConfigError.ConfigError | MockAnthropicServer.MockServerError> = online
  ? claude
  : offline

const agent = Agent.make({
  name: "weather",
  instructions: "Use the tools to answer. Call tools in parallel when you can. Answer in two sentences.",
  tools: [getWeather, calculate]
})

const prompt = "What's the weather in Paris and London right now, and how many degrees warmer is Paris?"

/** Prints events as they arrive: text as it streams, a line per tool call and result. */
const render = (): ((event: AgentEvent.AgentEvent<string>) => void) => {
  let atLineStart = true
  const line = (text: string) => {
    process.stdout.write(`${atLineStart ? "" : "\n"}${text}\n`)
    atLineStart = true
  }
  const write = (text: string) => {
    if (text === "") return
    process.stdout.write(text)
    atLineStart = text.endsWith("\n")
  }
  return (event) => {
    switch (event._tag) {
      case "ToolCallStarted":
        return line(`  → ${event.part.toolName} ${JSON.stringify(event.part.args)}`)
      case "ToolResult":
        return event.part._tag === "ToolReturnPart"
          ? line(`  ← ${event.part.toolName} ${JSON.stringify(event.part.content)}`)
          : line(`  ↺ ${event.part.toolName ?? "output"}: ${event.part.content}`)
      case "RunFinished": {
        const usage = event.result.usage
        return line(
          `\n${usage.requests} requests, ${usage.toolCalls} tool calls, ` +
            `${usage.inputTokens} input + ${usage.outputTokens} output tokens`
        )
      }
      default:
        return write(AgentEvent.textOf(event))
    }
  }
}

const program = Effect.gen(function* () {
  console.log(
    online
      ? `Talking to ${modelName} over the Anthropic API.`
      : "No ANTHROPIC_API_KEY: running offline against the bundled loopback Anthropic server."
  )
  console.log(`> ${prompt}\n`)
  const print = render()
  yield* Agent.runStream(agent, prompt).pipe(Stream.runForEach((event) => Effect.sync(() => print(event))))
})

program.pipe(Effect.provide(WeatherApiTable), Effect.provide(model), Effect.runPromise).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
