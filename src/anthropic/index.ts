/**
 * Claude as a `Model` Layer, over the official `@anthropic-ai/sdk`.
 */

export * as AnthropicClient from "./AnthropicClient.js"
export * as AnthropicError from "./AnthropicError.js"
export * as AnthropicModel from "./AnthropicModel.js"
export * as AnthropicProfile from "./AnthropicProfile.js"
export * as AnthropicRetry from "./AnthropicRetry.js"
export * as AnthropicSettings from "./AnthropicSettings.js"
export * as ClientTools from "./ClientTools.js"
export * as ContextManagement from "./ContextManagement.js"
export * as Files from "./Files.js"
export * as MemoryStore from "./MemoryStore.js"
export * as MessageBatches from "./MessageBatches.js"
export * as Models from "./Models.js"
export * as ServerTools from "./ServerTools.js"
