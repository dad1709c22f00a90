/**
 * Decoding what the API sent (batches, files, models) into this library's Schema classes. A value
 * the API sent in a shape the schema does not accept fails as `AnthropicSdkError`, the error the
 * SDK itself gives for malformed data, so callers see one error type for the whole call.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { AnthropicSdkError } from "../AnthropicError.js"

/** The `errorClass` of a decoding failure. */
const malformedResponse = "MalformedResponse"

/**
 * The error for a value of the wrong shape.
 * @since 0.1.0
 * @category utils
 */
export const malformed = (what: string, error: ParseResult.ParseError): AnthropicSdkError =>
  new AnthropicSdkError({
    message: `The API sent a malformed ${what}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
    errorClass: malformedResponse
  })

/**
 * Decodes one value the API sent.
 * @since 0.1.0
 * @category utils
 */
export const decodeWire =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  (value: unknown): Effect.Effect<A, AnthropicSdkError> => {
    const decoded = decodeWireEither(schema, what)(value)
    return Either.isRight(decoded) ? Effect.succeed(decoded.right) : Effect.fail(decoded.left)
  }

/** Decodes one value the API sent, synchronously. */
const decodeWireEither = <A, I>(schema: Schema.Schema<A, I>, what: string) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (value: unknown): Either.Either<A, AnthropicSdkError> =>
    Either.mapLeft(decode(value), (error) => malformed(what, error))
}

/**
 * Decodes every element of a stream of API values in a plain loop per chunk (not one Effect per
 * element); the first malformed one fails the stream.
 * @since 0.1.0
 * @category utils
 */
export const decodeStream =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  <E, R>(stream: Stream.Stream<unknown, E, R>): Stream.Stream<A, E | AnthropicSdkError, R> => {
    const decode = decodeWireEither(schema, what)
    return Stream.mapChunksEffect(stream, (chunk) => {
      const decoded: Array<A> = []
      for (const value of chunk) {
        const result = decode(value)
        if (Either.isLeft(result)) return Effect.fail(result.left)
        decoded.push(result.right)
      }
      return Effect.succeed(Chunk.unsafeFromArray(decoded))
    })
  }
