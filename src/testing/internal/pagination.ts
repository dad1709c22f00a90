/**
 * The API's cursor pagination over a list held newest first: `limit`, `after_id` / `before_id`
 * (and `page`, the cursor the SDK's `PageCursor` sends back) → `data`, `has_more`, `first_id`,
 * `last_id`. Models, batches and files list the same way.
 */

/** One page of a listing. */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly has_more: boolean
  readonly first_id: string | null
  readonly last_id: string | null
}

/** The page the API answers for these query parameters, or why the parameters are invalid. */
export const pageOf = <A>(
  items: ReadonlyArray<A>,
  idOf: (item: A) => string,
  query: Readonly<Record<string, string>>,
  noun: string
): Page<A> | string => {
  const parsedLimit = query.limit === undefined ? 20 : Number(query.limit)
  if (!Number.isInteger(parsedLimit) || parsedLimit < 1 || parsedLimit > 1000) {
    return "limit: Input should be an integer between 1 and 1000"
  }
  const after = query.after_id ?? query.page
  const afterName = query.after_id === undefined ? "page" : "after_id"
  let start = 0
  let end = items.length
  if (after !== undefined) {
    const at = items.findIndex((item) => idOf(item) === after)
    if (at === -1) return `${afterName}: no ${noun} ${after}`
    start = at + 1
    end = Math.min(items.length, start + parsedLimit)
  } else if (query.before_id !== undefined) {
    const at = items.findIndex((item) => idOf(item) === query.before_id)
    if (at === -1) return `before_id: no ${noun} ${query.before_id}`
    end = at
    start = Math.max(0, end - parsedLimit)
  } else {
    end = Math.min(items.length, parsedLimit)
  }
  const data = items.slice(start, end)
  return {
    data,
    has_more: after === undefined && query.before_id !== undefined ? start > 0 : end < items.length,
    first_id: data.length === 0 ? null : idOf(data[0]!),
    last_id: data.length === 0 ? null : idOf(data[data.length - 1]!)
  }
}
