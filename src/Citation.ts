/**
 * Where a model's text comes from: the citations a `TextPart` carries, one Schema class per kind of
 * source (a range of characters, pages or blocks of a document you sent, a range of a search result
 * a tool returned, a web page the provider's web search found).
 *
 * Document and search-result indices count the documents (or search results) of the whole
 * conversation, in the order they were sent.
 *
 * @example
 * import { Citation, Message } from "effect-claude"
 *
 * const sources = (part: Message.TextPart): ReadonlyArray<string> =>
 *   (part.citations ?? []).map((citation) =>
 *     citation._tag === "SearchResultLocation" ? citation.source : citation._tag
 *   )
 *
 * const part = new Message.TextPart({
 *   content: "Refunds take 5 days.",
 *   citations: [
 *     new Citation.SearchResultLocation({
 *       citedText: "Refunds are paid within 5 days.",
 *       searchResultIndex: 0,
 *       source: "https://kb.example.com/refunds",
 *       title: "Refunds",
 *       startBlockIndex: 0,
 *       endBlockIndex: 1
 *     })
 *   ]
 * })
 * sources(part) // ["https://kb.example.com/refunds"]
 */
import * as Schema from "effect/Schema"

/** The fields every citation of a document has. */
const documentFields = {
  /** The text cited, as it appears in the source. */
  citedText: Schema.String,
  /** Which document of the conversation (0-based, in the order they were sent). */
  documentIndex: Schema.Number,
  documentTitle: Schema.optional(Schema.String),
  /** The uploaded file the document came from, when it was sent by file id. */
  fileId: Schema.optional(Schema.String)
}

/**
 * A range of characters of a plain-text document: `startCharIndex` inclusive, `endCharIndex`
 * exclusive, both 0-based.
 *
 * @since 0.1.0
 * @category models
 */
export class CharLocation extends Schema.TaggedClass<CharLocation>()("CharLocation", {
  ...documentFields,
  startCharIndex: Schema.Number,
  endCharIndex: Schema.Number
}) {}

/**
 * A range of pages of a PDF: `startPageNumber` inclusive, `endPageNumber` exclusive, both 1-based.
 *
 * @since 0.1.0
 * @category models
 */
export class PageLocation extends Schema.TaggedClass<PageLocation>()("PageLocation", {
  ...documentFields,
  startPageNumber: Schema.Number,
  endPageNumber: Schema.Number
}) {}

/**
 * A range of the content blocks of a document made of blocks: `startBlockIndex` inclusive,
 * `endBlockIndex` exclusive, both 0-based.
 *
 * @since 0.1.0
 * @category models
 */
export class ContentBlockLocation extends Schema.TaggedClass<ContentBlockLocation>()("ContentBlockLocation", {
  ...documentFields,
  startBlockIndex: Schema.Number,
  endBlockIndex: Schema.Number
}) {}

/**
 * A range of the text blocks of a search result a tool returned (`ToolContent.searchResult`):
 * `startBlockIndex` inclusive, `endBlockIndex` exclusive, both 0-based.
 *
 * @since 0.1.0
 * @category models
 */
export class SearchResultLocation extends Schema.TaggedClass<SearchResultLocation>()("SearchResultLocation", {
  citedText: Schema.String,
  /** Which search result of the conversation (0-based, in the order they were sent). */
  searchResultIndex: Schema.Number,
  /** The result's source, as the tool gave it (a URL, a document id). */
  source: Schema.String,
  title: Schema.optional(Schema.String),
  startBlockIndex: Schema.Number,
  endBlockIndex: Schema.Number
}) {}

/**
 * A web page the provider's own web search found.
 *
 * @since 0.1.0
 * @category models
 */
export class WebSearchResultLocation extends Schema.TaggedClass<WebSearchResultLocation>()("WebSearchResultLocation", {
  citedText: Schema.String,
  url: Schema.String,
  title: Schema.optional(Schema.String),
  /** The provider's reference to the result; it must go back unchanged. */
  encryptedIndex: Schema.optional(Schema.String)
}) {}

/**
 * A citation of a kind this library does not model (a newer API feature), kept whole as the
 * provider sent it.
 *
 * @since 0.1.0
 * @category models
 */
export class UnknownCitation extends Schema.TaggedClass<UnknownCitation>()("UnknownCitation", {
  /** The provider's own name for the kind of citation. */
  type: Schema.String,
  data: Schema.Unknown
}) {}

/**
 * Any citation.
 *
 * @since 0.1.0
 * @category utils
 */
export const Citation = Schema.Union(
  CharLocation,
  PageLocation,
  ContentBlockLocation,
  SearchResultLocation,
  WebSearchResultLocation,
  UnknownCitation
)
/**
 * @see Citation
 *
 * @since 0.1.0
 * @category models
 */
export type Citation = typeof Citation.Type
