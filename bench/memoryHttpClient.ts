/**
 * An `HttpClient` that answers in-process, for the drivers' `TRANSPORT=memory` runs: each request's
 * raw text body is handed to `answer`, and its web `Response` comes back as the client's response.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Layer } from "effect"

/** The `HttpClient` answering each request with `answer(body)`. */
export const memoryHttpClient = (answer: (body: string) => Response): Layer.Layer<HttpClient.HttpClient> =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.succeed(
        HttpClientResponse.fromWeb(
          request,
          answer(request.body._tag === "Raw" && typeof request.body.body === "string" ? request.body.body : "")
        )
      )
    )
  )
