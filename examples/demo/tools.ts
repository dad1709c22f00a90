/**
 * The demo's two tools. `get_weather` needs a `WeatherApi` service, provided as a Layer like any
 * Effect dependency; `calculate` is a pure function that asks the model to retry on bad input.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { AgentError, Tool } from "effect-claude"

/** Today's weather for a city. */
export interface Report {
  readonly celsius: number
  readonly sky: string
}

/** Where the weather comes from: a real service in production, a table here. */
export class WeatherApi extends Context.Tag("demo/WeatherApi")<
  WeatherApi,
  { readonly current: (city: string) => Effect.Effect<Report | undefined> }
>() {}

const table: ReadonlyMap<string, Report> = new Map([
  ["paris", { celsius: 18, sky: "sunny" }],
  ["london", { celsius: 12, sky: "light rain" }],
  ["tokyo", { celsius: 21, sky: "clear" }]
])

/** A WeatherApi answering from a fixed table (so the demo is reproducible offline). */
export const WeatherApiTable = Layer.succeed(WeatherApi, {
  current: (city) => Effect.succeed(table.get(city.trim().toLowerCase()))
})

/** Current weather for a city. */
export const getWeather = Tool.make("get_weather", {
  description: "The current weather in a city: temperature in Celsius and the sky.",
  parameters: Schema.Struct({ city: Schema.String.annotations({ description: "A city name, e.g. Paris" }) }),
  handler: ({ city }) =>
    Effect.flatMap(WeatherApi, (api) => api.current(city)).pipe(
      Effect.flatMap((report) =>
        report === undefined
          ? Effect.fail(
              new AgentError.ModelRetry({ message: `No weather for '${city}'. Known: Paris, London, Tokyo.` })
            )
          : Effect.succeed(report)
      )
    )
})

/** Arithmetic on two numbers. */
export const calculate = Tool.make("calculate", {
  description: "Adds, subtracts, multiplies or divides two numbers.",
  parameters: Schema.Struct({
    a: Schema.Number,
    b: Schema.Number,
    operation: Schema.Literal("add", "subtract", "multiply", "divide")
  }),
  handler: ({ a, b, operation }) =>
    operation === "divide" && b === 0
      ? Effect.fail(new AgentError.ModelRetry({ message: "Cannot divide by zero." }))
      : Effect.succeed({ add: a + b, subtract: a - b, multiply: a * b, divide: a / b }[operation])
})
