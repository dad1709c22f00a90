/**
 * MCP tool-result content and this library's rich tool results (`ToolContent`), both ways: what an
 * MCP server returns becomes parts the model reads (text, images, documents), and what a served
 * tool returns becomes MCP content.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as ToolContent from "../../ToolContent.js"

type McpContent = CallToolResult["content"][number]

const imageMediaTypes = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"])

/** Bytes sent as base64; a part that does not decode is described in text, not dropped silently. */
const withBytes = (base64: string, what: string, f: (data: Uint8Array) => ToolContent.Part): ToolContent.Part =>
  Either.match(Encoding.decodeBase64(base64), {
    onLeft: () => ToolContent.text(`[${what}: its base64 data is malformed]`),
    onRight: f
  })

/** A resource's bytes: an image, a PDF, text; another media type is named in text. */
const blobPart = (uri: string, mediaType: string | undefined, blob: string): ToolContent.Part =>
  withBytes(blob, `resource ${uri}`, (data) => {
    if (mediaType !== undefined && imageMediaTypes.has(mediaType)) return ToolContent.image({ data, mediaType })
    if (mediaType === "application/pdf") return ToolContent.document({ data, mediaType }, { title: uri })
    if (mediaType?.startsWith("text/") === true) {
      return ToolContent.document({ text: new TextDecoder().decode(data) }, { title: uri })
    }
    return ToolContent.text(`[resource ${uri} (${mediaType ?? "unknown type"}, ${data.length} bytes) omitted]`)
  })

const partOf = (content: McpContent): ToolContent.Part => {
  switch (content.type) {
    case "text":
      return ToolContent.text(content.text)
    case "image":
      return imageMediaTypes.has(content.mimeType)
        ? withBytes(content.data, "image", (data) => ToolContent.image({ data, mediaType: content.mimeType }))
        : ToolContent.text(`[image of type ${content.mimeType} omitted: Claude reads JPEG, PNG, GIF and WebP]`)
    case "audio":
      return ToolContent.text(`[audio of type ${content.mimeType} omitted: Claude does not read audio]`)
    case "resource_link":
      return ToolContent.text(
        `Resource ${content.name}: ${content.uri}${content.description === undefined ? "" : ` (${content.description})`}`
      )
    case "resource": {
      const resource = content.resource
      return "text" in resource && typeof resource.text === "string"
        ? ToolContent.document({ text: resource.text }, { title: resource.uri })
        : "blob" in resource && typeof resource.blob === "string"
          ? blobPart(resource.uri, resource.mimeType, resource.blob)
          : ToolContent.text(`[resource ${resource.uri} omitted: it has neither text nor bytes]`)
    }
  }
}

/**
 * What an MCP tool's result becomes: its structured content (JSON) when it has some, its text when
 * it is only text, else a rich result of its parts.
 */
export const resultValue = (result: CallToolResult): unknown => {
  if (result.structuredContent !== undefined) return result.structuredContent
  const texts: Array<string> = []
  for (const part of result.content) if (part.type === "text") texts.push(part.text)
  if (texts.length === result.content.length) return texts.join("\n")
  return ToolContent.make(result.content.map(partOf))
}

/** A rich result's parts as MCP content, for a served tool. */
export const mcpContentOf = (content: ToolContent.ToolContent): Array<McpContent> => content.parts.map(mcpPartOf)

const mcpPartOf = (part: ToolContent.Part): McpContent => {
  switch (part._tag) {
    case "Text":
      return { type: "text", text: part.text }
    case "Image":
      return part.source._tag === "Base64Source"
        ? { type: "image", data: Encoding.encodeBase64(part.source.data), mimeType: part.source.mediaType }
        : { type: "resource_link", uri: part.source.url, name: part.source.url }
    case "Document": {
      const source = part.source
      const uri = source._tag === "UrlSource" ? source.url : `document:${part.title ?? "untitled"}`
      return source._tag === "UrlSource"
        ? { type: "resource_link", uri, name: part.title ?? uri }
        : source._tag === "TextSource"
          ? { type: "resource", resource: { uri, mimeType: "text/plain", text: source.text } }
          : {
              type: "resource",
              resource: { uri, mimeType: source.mediaType, blob: Encoding.encodeBase64(source.data) }
            }
    }
    case "SearchResult":
      return { type: "text", text: `${part.title} (${part.source})\n${part.content.join("\n")}` }
  }
}
