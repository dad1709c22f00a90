/**
 * Rich tool results: a tool answers with text, images, documents and search results instead of
 * one JSON value. A handler returns `ToolContent.make([...])`; the provider sends each part as a
 * content block of the tool's result (Anthropic: `text`, `image`, `document`, `search_result`), and
 * the parts stay typed in history (`ToolReturnPart.content`), through JSON and back.
 *
 * Documents and search results with `citations: true` let the model cite them: its answer's
 * `TextPart`s then carry `Citation`s pointing into them.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { Tool, ToolContent } from "effect-claude"
 *
 * const searchDocs = Tool.make("search_docs", {
 *   description: "Searches the knowledge base",
 *   parameters: Schema.Struct({ query: Schema.String }),
 *   handler: ({ query }) =>
 *     Effect.succeed(
 *       ToolContent.make([
 *         `Results for ${query}:`,
 *         ToolContent.searchResult({
 *           source: "https://kb.example.com/refunds",
 *           title: "Refunds",
 *           content: ["Refunds are paid within 5 days.", "Gift cards are not refunded."],
 *           citations: true
 *         })
 *       ])
 *     )
 * })
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * Inline bytes with their media type; JSON-encoded as base64.
 *
 * @since 0.1.0
 * @category models
 */
export class Base64Source extends Schema.TaggedClass<Base64Source>()("Base64Source", {
  data: Schema.Uint8ArrayFromBase64,
  /** e.g. `image/png`, `application/pdf`, `text/plain`. */
  mediaType: Schema.String
}) {}

/**
 * Content the provider downloads from a URL.
 *
 * @since 0.1.0
 * @category models
 */
export class UrlSource extends Schema.TaggedClass<UrlSource>()("UrlSource", {
  url: Schema.String
}) {}

/**
 * A plain-text document given as text.
 *
 * @since 0.1.0
 * @category models
 */
export class TextSource extends Schema.TaggedClass<TextSource>()("TextSource", {
  text: Schema.String
}) {}

/**
 * Text in a tool's result.
 *
 * @since 0.1.0
 * @category models
 */
export class Text extends Schema.TaggedClass<Text>()("Text", {
  text: Schema.String
}) {}

/**
 * An image in a tool's result (a screenshot, a chart).
 *
 * @since 0.1.0
 * @category models
 */
export class Image extends Schema.TaggedClass<Image>()("Image", {
  source: Schema.Union(Base64Source, UrlSource)
}) {}

/**
 * A document in a tool's result: a PDF (bytes or URL) or plain text.
 *
 * @since 0.1.0
 * @category models
 */
export class Document extends Schema.TaggedClass<Document>()("Document", {
  source: Schema.Union(Base64Source, UrlSource, TextSource),
  title: Schema.optional(Schema.String),
  /** Facts about the document the model may use but not cite (its author, its date). */
  context: Schema.optional(Schema.String),
  /** Let the model cite the document (its text parts then carry `Citation`s). */
  citations: Schema.optional(Schema.Boolean)
}) {}

/**
 * One result of a search a tool ran: where it comes from, its title and its text, one string per
 * citable block.
 *
 * @since 0.1.0
 * @category models
 */
export class SearchResult extends Schema.TaggedClass<SearchResult>()("SearchResult", {
  /** A URL or another id of the result's origin; citations repeat it. */
  source: Schema.String,
  title: Schema.String,
  content: Schema.Array(Schema.String),
  /** Let the model cite the result (its text parts then carry `Citation.SearchResultLocation`s). */
  citations: Schema.optional(Schema.Boolean)
}) {}

/**
 * One part of a rich tool result.
 *
 * @since 0.1.0
 * @category utils
 */
export const Part = Schema.Union(Text, Image, Document, SearchResult)
/**
 * @see Part
 *
 * @since 0.1.0
 * @category models
 */
export type Part = typeof Part.Type

/**
 * A tool's result made of content parts, in order.
 *
 * @since 0.1.0
 * @category models
 */
export class ToolContent extends Schema.TaggedClass<ToolContent>()("ToolContent", {
  parts: Schema.Array(Part)
}) {}

/**
 * A rich result from its parts; a string is a text part.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (parts: Iterable<Part | string>): ToolContent =>
  new ToolContent({ parts: Array.from(parts, (part) => (typeof part === "string" ? new Text({ text: part }) : part)) })

/**
 * Whether a tool's result is a rich one.
 *
 * @since 0.1.0
 * @category guards
 */
export const isToolContent = (value: unknown): value is ToolContent => value instanceof ToolContent

/**
 * Where an image or document comes from: its bytes and media type, or a URL.
 *
 * @since 0.1.0
 * @category models
 */
export type SourceInput = { readonly data: Uint8Array; readonly mediaType: string } | { readonly url: string }

const sourceOf = (input: SourceInput): Base64Source | UrlSource =>
  "url" in input
    ? new UrlSource({ url: input.url })
    : new Base64Source({ data: input.data, mediaType: input.mediaType })

/**
 * A text part.
 *
 * @since 0.1.0
 * @category constructors
 */
export const text = (value: string): Text => new Text({ text: value })

/**
 * An image part from its bytes (`image/png`, `image/jpeg`, `image/gif`, `image/webp`) or a URL.
 *
 * @since 0.1.0
 * @category constructors
 */
export const image = (source: SourceInput): Image => new Image({ source: sourceOf(source) })

/**
 * Options of `document`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DocumentOptions {
  readonly title?: string | undefined
  /** Facts about the document the model may use but not cite. */
  readonly context?: string | undefined
  /** Let the model cite the document. */
  readonly citations?: boolean | undefined
}

/**
 * A document part: a PDF from its bytes or a URL, or plain text (`{ text }`, or bytes of
 * `text/plain`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const document = (source: SourceInput | { readonly text: string }, options?: DocumentOptions): Document =>
  new Document({
    source: "text" in source ? new TextSource({ text: source.text }) : sourceOf(source),
    ...(options?.title === undefined ? {} : { title: options.title }),
    ...(options?.context === undefined ? {} : { context: options.context }),
    ...(options?.citations === undefined ? {} : { citations: options.citations })
  })

/**
 * Options of `searchResult`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SearchResultOptions {
  readonly source: string
  readonly title: string
  /** The result's text: one string, or one per citable block. */
  readonly content: string | ReadonlyArray<string>
  /** Let the model cite the result. */
  readonly citations?: boolean | undefined
}

/**
 * A search-result part.
 *
 * @since 0.1.0
 * @category constructors
 */
export const searchResult = (options: SearchResultOptions): SearchResult =>
  new SearchResult({
    source: options.source,
    title: options.title,
    content: typeof options.content === "string" ? [options.content] : [...options.content],
    ...(options.citations === undefined ? {} : { citations: options.citations })
  })

/**
 * The text of a rich result's text parts, joined by new lines (for providers or tools that only
 * take text).
 *
 * @since 0.1.0
 * @category utils
 */
export const textOf = (content: ToolContent): string =>
  content.parts
    .filter((part): part is Text => Predicate.isTagged(part, "Text"))
    .map((part) => part.text)
    .join("\n")
