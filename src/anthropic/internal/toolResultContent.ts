/**
 * What a tool's result becomes in a `tool_result` block: the text of a plain result, or one content
 * block per part of a rich one (`ToolContent`: text, image, document, search_result). Inline bytes
 * become image or document blocks by their media type, as they do in a user prompt.
 */
import type {
  BetaImageBlockParam,
  BetaRequestDocumentBlock,
  BetaSearchResultBlockParam,
  BetaTextBlockParam,
  BetaToolResultBlockParam
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Encoding from "effect/Encoding"
import { UserError } from "../../AgentError.js"
import { type Document, isToolContent, type Part } from "../../ToolContent.js"
import { toolResultText } from "./requestValidation.js"

type ImageMediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp"

const isImageMediaType = (mediaType: string): mediaType is ImageMediaType =>
  mediaType === "image/jpeg" || mediaType === "image/png" || mediaType === "image/gif" || mediaType === "image/webp"

/**
 * The block of inline bytes: an image, a PDF or a plain-text document; a `UserError` for any other
 * media type.
 * @since 0.1.0
 * @category utils
 */
export const bytesBlock = (data: Uint8Array, mediaType: string): BetaImageBlockParam | BetaRequestDocumentBlock => {
  if (isImageMediaType(mediaType)) {
    return { type: "image", source: { type: "base64", media_type: mediaType, data: Encoding.encodeBase64(data) } }
  }
  if (mediaType === "application/pdf") {
    return { type: "document", source: { type: "base64", media_type: mediaType, data: Encoding.encodeBase64(data) } }
  }
  if (mediaType === "text/plain") {
    return { type: "document", source: { type: "text", media_type: mediaType, data: new TextDecoder().decode(data) } }
  }
  throw new UserError({
    message: `Anthropic does not accept ${mediaType} content: use a JPEG, PNG, GIF or WebP image, a PDF or plain text`
  })
}

type ResultBlock = Exclude<BetaToolResultBlockParam["content"], string | undefined>[number]

const documentBlock = (part: Document): BetaRequestDocumentBlock => {
  const source = part.source
  const block: BetaRequestDocumentBlock =
    source._tag === "UrlSource"
      ? { type: "document", source: { type: "url", url: source.url } }
      : source._tag === "TextSource"
        ? { type: "document", source: { type: "text", media_type: "text/plain", data: source.text } }
        : asDocument(bytesBlock(source.data, source.mediaType))
  if (part.title !== undefined) block.title = part.title
  if (part.context !== undefined) block.context = part.context
  if (part.citations !== undefined) block.citations = { enabled: part.citations }
  return block
}

const asDocument = (block: BetaImageBlockParam | BetaRequestDocumentBlock): BetaRequestDocumentBlock => {
  if (block.type === "document") return block
  throw new UserError({ message: "A ToolContent.document holds an image: use ToolContent.image for it" })
}

const partBlock = (part: Part): ResultBlock => {
  switch (part._tag) {
    case "Text":
      return { type: "text", text: part.text } satisfies BetaTextBlockParam
    case "Image": {
      const source = part.source
      if (source._tag === "UrlSource") return { type: "image", source: { type: "url", url: source.url } }
      if (!isImageMediaType(source.mediaType)) {
        throw new UserError({
          message: `A ToolContent.image must be a JPEG, PNG, GIF or WebP image, not ${source.mediaType}`
        })
      }
      return bytesBlock(source.data, source.mediaType)
    }
    case "Document":
      return documentBlock(part)
    case "SearchResult": {
      const block: BetaSearchResultBlockParam = {
        type: "search_result",
        source: part.source,
        title: part.title,
        content: part.content.map((text): BetaTextBlockParam => ({ type: "text", text }))
      }
      if (part.citations !== undefined) block.citations = { enabled: part.citations }
      return block
    }
  }
}

/**
 * The content of a tool's `tool_result`: blocks for a rich result, text for any other; a
 * `UserError` naming the tool when a plain result cannot be JSON.
 * @since 0.1.0
 * @category utils
 */
export const toolResultContent = (toolName: string, content: unknown): string | Array<ResultBlock> =>
  isToolContent(content)
    ? // The API rejects an empty text block, as in a prompt.
      content.parts.flatMap((part) => (part._tag === "Text" && part.text === "" ? [] : [partBlock(part)]))
    : toolResultText(toolName, content)
