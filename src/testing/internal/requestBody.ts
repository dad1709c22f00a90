/**
 * Reading a request body: JSON (the Messages API), or `multipart/form-data` (file uploads), parsed
 * by the platform's own `Response.formData()` rather than by hand.
 */
import type { FormFile } from "./receivedRequest.js"

/** A parsed body, or why it could not be parsed. */
export interface ParsedBody {
  readonly body: unknown
  readonly error: string | undefined
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Whether the body is a multipart form (parsed asynchronously). */
export const isMultipart = (contentType: string): boolean => contentType.toLowerCase().startsWith("multipart/form-data")

/** A JSON body; an empty one is `undefined`. */
export const parseJson = (text: string): ParsedBody => {
  if (text === "") return { body: undefined, error: undefined }
  try {
    return { body: JSON.parse(text), error: undefined }
  } catch (error) {
    return { body: undefined, error: `The request body is not valid JSON: ${messageOf(error)}` }
  }
}

/** A multipart form as a record: text fields as strings, file parts as `FormFile`s (the last of a name wins). */
export const parseMultipart = async (bytes: Buffer, contentType: string): Promise<ParsedBody> => {
  try {
    const form = await new Response(new Uint8Array(bytes), { headers: { "content-type": contentType } }).formData()
    const body: Record<string, string | FormFile> = {}
    for (const [name, value] of form) {
      body[name] =
        typeof value === "string"
          ? value
          : { filename: value.name, contentType: value.type, bytes: new Uint8Array(await value.arrayBuffer()) }
    }
    return { body, error: undefined }
  } catch (error) {
    return { body: undefined, error: `The request body is not valid multipart/form-data: ${messageOf(error)}` }
  }
}
