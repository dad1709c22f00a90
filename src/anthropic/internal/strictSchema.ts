/**
 * The JSON Schema of a strict tool or of native output, in the subset Anthropic's structured
 * outputs accept: the SDK's own `transformJSONSchema` closes every object
 * (`additionalProperties: false`), keeps the supported string formats and array bounds, and moves
 * every other constraint (`minimum`, `pattern`, `maxLength`, ...) into the description, where the
 * model still reads it. The decoded value is checked against the full Schema afterwards anyway.
 */
import { transformJSONSchema } from "@anthropic-ai/sdk/lib/transform-json-schema"
import * as Either from "effect/Either"
import { UserError } from "../../AgentError.js"

/** The strict form of `schema`, or why it has none (e.g. a sub-schema without a `type`). */
export const strictSchema = (
  schema: Readonly<Record<string, unknown>>
): Either.Either<Record<string, unknown>, string> =>
  Either.try({
    try: () => transformJSONSchema({ ...schema }),
    catch: (error) => (error instanceof Error ? error.message : String(error))
  })

/** The structured-outputs form of a schema, or a `UserError` saying whose schema has none. */
export const strictOrFail = (schema: Readonly<Record<string, unknown>>, what: string): Record<string, unknown> => {
  const strict = strictSchema(schema)
  if (Either.isLeft(strict)) {
    throw new UserError({
      message: `The schema of ${what} cannot be made strict for structured outputs: ${strict.left}`
    })
  }
  return strict.right
}
