/**
 * Claude as a `Model` Layer, over the official `@anthropic-ai/sdk`.
 */

export * as AnthropicBatches from "./AnthropicBatches.js"
export * as AnthropicClient from "./AnthropicClient.js"
export * as AnthropicError from "./AnthropicError.js"
export * as AnthropicFiles from "./AnthropicFiles.js"
export * as AnthropicModel from "./AnthropicModel.js"
export * as AnthropicModels from "./AnthropicModels.js"
export * as AnthropicProfile from "./AnthropicProfile.js"
export * as AnthropicRetry from "./AnthropicRetry.js"
export * as AnthropicSettings from "./AnthropicSettings.js"
export * as ClientTools from "./ClientTools.js"
export * as ContextManagement from "./ContextManagement.js"
export * as MemoryStore from "./MemoryStore.js"
export * as ServerTools from "./ServerTools.js"
