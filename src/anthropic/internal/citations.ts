/**
 * Claude's citations (`char_location`, `page_location`, `content_block_location`,
 * `search_result_location`, `web_search_result_location`) decoded into the core's `Citation`
 * classes, and encoded back when a text block goes back in history. A kind this library does not
 * know, or a known kind in a shape it does not expect, is kept whole as an `UnknownCitation`: a
 * citation never fails a response.
 */
import type { BetaTextCitationParam } from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import {
  CharLocation,
  type Citation,
  ContentBlockLocation,
  PageLocation,
  SearchResultLocation,
  UnknownCitation,
  WebSearchResultLocation
} from "../../Citation.js"
import { trustedInput } from "./trustedInput.js"

const optionalText = Schema.optional(Schema.NullOr(Schema.String))
const documentFields = {
  cited_text: Schema.String,
  document_index: Schema.Number,
  document_title: optionalText,
  file_id: optionalText
}

const decodeChar = Schema.decodeUnknownOption(
  Schema.Struct({ ...documentFields, start_char_index: Schema.Number, end_char_index: Schema.Number })
)
const decodePage = Schema.decodeUnknownOption(
  Schema.Struct({ ...documentFields, start_page_number: Schema.Number, end_page_number: Schema.Number })
)
const decodeBlock = Schema.decodeUnknownOption(
  Schema.Struct({ ...documentFields, start_block_index: Schema.Number, end_block_index: Schema.Number })
)
const decodeSearchResult = Schema.decodeUnknownOption(
  Schema.Struct({
    cited_text: Schema.String,
    search_result_index: Schema.Number,
    source: Schema.String,
    title: optionalText,
    start_block_index: Schema.Number,
    end_block_index: Schema.Number
  })
)
const decodeWebSearchResult = Schema.decodeUnknownOption(
  Schema.Struct({
    cited_text: Schema.String,
    url: Schema.String,
    title: optionalText,
    encrypted_index: optionalText
  })
)

/** The fields set, so an absent or null one stays absent in the class (equal to a decoded one). */
const defined = <A extends Record<string, unknown>>(fields: A): A => {
  const out: Record<string, unknown> = {}
  for (const key in fields) if (fields[key] !== undefined && fields[key] !== null) out[key] = fields[key]
  return out as A
}

type DocumentWire = {
  readonly cited_text: string
  readonly document_index: number
  readonly document_title?: string | null | undefined
  readonly file_id?: string | null | undefined
}

const documentOf = (wire: DocumentWire) =>
  defined({
    citedText: wire.cited_text,
    documentIndex: wire.document_index,
    documentTitle: wire.document_title ?? undefined,
    fileId: wire.file_id ?? undefined
  })

/**
 * The core citation of one the API sent; throws (as the other block decoders) on a value that is
 * not an object with a `type`.
 * @since 0.1.0
 * @category utils
 */
export const citationOfWire = (wire: unknown): Citation => {
  const type = Predicate.hasProperty(wire, "type") ? wire.type : undefined
  if (typeof type !== "string") throw new Error("malformed citation: it has no type")
  const known = knownCitation(type, wire)
  return Option.isSome(known) ? known.value : new UnknownCitation({ type, data: wire }, trustedInput)
}

const knownCitation = (type: string, wire: unknown): Option.Option<Citation> => {
  switch (type) {
    case "char_location":
      return Option.map(
        decodeChar(wire),
        (c) =>
          new CharLocation(
            { ...documentOf(c), startCharIndex: c.start_char_index, endCharIndex: c.end_char_index },
            trustedInput
          )
      )
    case "page_location":
      return Option.map(
        decodePage(wire),
        (c) =>
          new PageLocation(
            { ...documentOf(c), startPageNumber: c.start_page_number, endPageNumber: c.end_page_number },
            trustedInput
          )
      )
    case "content_block_location":
      return Option.map(
        decodeBlock(wire),
        (c) =>
          new ContentBlockLocation(
            { ...documentOf(c), startBlockIndex: c.start_block_index, endBlockIndex: c.end_block_index },
            trustedInput
          )
      )
    case "search_result_location":
      return Option.map(
        decodeSearchResult(wire),
        (c) =>
          new SearchResultLocation(
            defined({
              citedText: c.cited_text,
              searchResultIndex: c.search_result_index,
              source: c.source,
              title: c.title ?? undefined,
              startBlockIndex: c.start_block_index,
              endBlockIndex: c.end_block_index
            }),
            trustedInput
          )
      )
    case "web_search_result_location":
      return Option.map(
        decodeWebSearchResult(wire),
        (c) =>
          new WebSearchResultLocation(
            defined({
              citedText: c.cited_text,
              url: c.url,
              title: c.title ?? undefined,
              encryptedIndex: c.encrypted_index ?? undefined
            }),
            trustedInput
          )
      )
    default:
      return Option.none()
  }
}

/** The fields every document citation has, as the API names them. */
const documentToWire = (citation: CharLocation | PageLocation | ContentBlockLocation) => ({
  cited_text: citation.citedText,
  document_index: citation.documentIndex,
  document_title: citation.documentTitle ?? null
})

/**
 * The citation as a request's text block carries it back, or undefined when it cannot go back: an
 * `UnknownCitation` (the request accepts only the kinds the SDK types, and an unchecked one would
 * fail the whole request) and a web search result without the index the API needs to find it again.
 */
export const citationToWire = (citation: Citation): BetaTextCitationParam | undefined => {
  switch (citation._tag) {
    case "CharLocation":
      return {
        type: "char_location",
        ...documentToWire(citation),
        start_char_index: citation.startCharIndex,
        end_char_index: citation.endCharIndex
      }
    case "PageLocation":
      return {
        type: "page_location",
        ...documentToWire(citation),
        start_page_number: citation.startPageNumber,
        end_page_number: citation.endPageNumber
      }
    case "ContentBlockLocation":
      return {
        type: "content_block_location",
        ...documentToWire(citation),
        start_block_index: citation.startBlockIndex,
        end_block_index: citation.endBlockIndex
      }
    case "SearchResultLocation":
      return {
        type: "search_result_location",
        cited_text: citation.citedText,
        search_result_index: citation.searchResultIndex,
        source: citation.source,
        title: citation.title ?? null,
        start_block_index: citation.startBlockIndex,
        end_block_index: citation.endBlockIndex
      }
    case "WebSearchResultLocation":
      return citation.encryptedIndex === undefined
        ? undefined
        : {
            type: "web_search_result_location",
            cited_text: citation.citedText,
            url: citation.url,
            title: citation.title ?? null,
            encrypted_index: citation.encryptedIndex
          }
    case "UnknownCitation":
      return undefined
  }
}
