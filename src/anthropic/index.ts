/**
 * Claude as a `Model` Layer, over the official `@anthropic-ai/sdk`.
 */

export * as AnthropicError from "./AnthropicError.js"
