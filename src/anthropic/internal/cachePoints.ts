/**
 * Prompt-cache breakpoints: where `cache_control` goes, and the API's limit of 4 per request.
 */
import type {
  BetaCacheControlEphemeral,
  BetaContentBlockParam,
  BetaTextBlockParam,
  BetaToolUnion
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Predicate from "effect/Predicate"
import { UserError } from "../../AgentError.js"
import type { CacheSetting } from "../AnthropicSettings.js"

/** The most breakpoints the API accepts in one request. */
const maxCachePoints = 4

/**
 * The `cache_control` of a setting or a `CachePoint` marker; no TTL means the API's default, 5 minutes.
 * @since 0.1.0
 * @category utils
 */
export const cacheControl = (ttl: CacheSetting | undefined): BetaCacheControlEphemeral => ({
  type: "ephemeral",
  ttl: ttl === "1h" ? "1h" : "5m"
})

/**
 * Puts `cache_control` on a content block. Thinking blocks cannot carry it, so this reports
 * whether the block took it.
 * @since 0.1.0
 * @category utils
 */
export const setBlockCacheControl = (block: BetaContentBlockParam, control: BetaCacheControlEphemeral): boolean => {
  switch (block.type) {
    case "thinking":
    case "redacted_thinking":
    case "fallback":
    case "mcp_tool_listing":
      return false
    default:
      block.cache_control = control
      return true
  }
}

/**
 * Puts `cache_control` on the last block of the conversation that can carry it.
 * @since 0.1.0
 * @category utils
 */
export const cacheLastMessageBlock = (
  messages: ReadonlyArray<{ readonly content: ReadonlyArray<BetaContentBlockParam> }>,
  control: BetaCacheControlEphemeral
): void => {
  const last = messages.at(-1)
  // Messages replaced through the extra body may hold string content: nothing to mark then.
  if (last === undefined || typeof last.content !== "object") return
  for (let index = last.content.length - 1; index >= 0; index--) {
    const block = last.content[index]
    if (typeof block === "object" && block !== null && setBlockCacheControl(block, control)) return
  }
}

/**
 * The parts of a request body that can hold breakpoints.
 * @since 0.1.0
 * @category models
 */
export interface CacheableBody {
  readonly system?: string | Array<BetaTextBlockParam> | undefined
  readonly tools?: Array<BetaToolUnion> | undefined
  readonly messages: ReadonlyArray<{ readonly content: string | ReadonlyArray<BetaContentBlockParam> }>
  readonly cache_control?: BetaCacheControlEphemeral | null | undefined
}

const hasCacheControl = (value: unknown): boolean =>
  Predicate.isObject(value) && "cache_control" in value && value.cache_control != null

/**
 * Enforces the limit of 4 breakpoints. The system prompt's, the tools' and the automatic
 * (request-level) one are what a cached prefix is built on, so they are kept; message breakpoints
 * are dropped oldest first, since the newest one caches the longest prefix. Fails with a
 * `UserError` when the kept ones alone exceed the limit. Mutates the body it was given.
 * @since 0.1.0
 * @category utils
 */
export const limitCachePoints = (body: CacheableBody): UserError | undefined => {
  let kept = body.cache_control != null ? 1 : 0
  if (Array.isArray(body.system)) for (const block of body.system) if (hasCacheControl(block)) kept++
  if (Array.isArray(body.tools)) for (const tool of body.tools) if (hasCacheControl(tool)) kept++
  if (kept > maxCachePoints) {
    return new UserError({
      message: `Anthropic allows at most ${maxCachePoints} cache points per request, but the system prompt, tool definitions and automatic caching alone use ${kept}`
    })
  }
  const inMessages: Array<{ cache_control?: BetaCacheControlEphemeral | null }> = []
  for (const message of body.messages) {
    if (!Array.isArray(message.content)) continue
    for (const block of message.content) {
      if (hasCacheControl(block) && "cache_control" in block) inMessages.push(block)
    }
  }
  const excess = kept + inMessages.length - maxCachePoints
  for (let index = 0; index < excess; index++) {
    const block = inMessages[index]
    if (block !== undefined) delete block.cache_control
  }
  return undefined
}
