/**
 * effect-claude: typed, testable Claude agents for Effect applications.
 *
 * @example
 * import { Message, Usage } from "effect-claude"
 *
 * const request = Message.ModelRequest.user("Hello")
 * const usage = Usage.RunUsage.empty
 */

export * as Agent from "./Agent.js"
export * as AgentError from "./AgentError.js"
export * as AgentEvent from "./AgentEvent.js"
export * as Approval from "./Approval.js"
export * as BuiltinTool from "./BuiltinTool.js"
export * as Citation from "./Citation.js"
export * as DeferredTools from "./DeferredTools.js"
export * as FallbackModel from "./FallbackModel.js"
export * as GenAiTelemetry from "./GenAiTelemetry.js"
export * as HistoryProcessor from "./HistoryProcessor.js"
export * as Instructions from "./Instructions.js"
export * as Message from "./Message.js"
export * as Model from "./Model.js"
export * as ModelResponseBuilder from "./ModelResponseBuilder.js"
export * as ModelSettings from "./ModelSettings.js"
export * as Output from "./Output.js"
export * as PartialOutput from "./PartialOutput.js"
export * as Prepare from "./Prepare.js"
export * as RunContext from "./RunContext.js"
export * as StreamEvent from "./StreamEvent.js"
export * as Tool from "./Tool.js"
export * as ToolContent from "./ToolContent.js"
export * as Toolset from "./Toolset.js"
export * as Usage from "./Usage.js"
