/**
 * A local OpenAI-compatible fake server (Chat Completions + Models) with scripted or rule-based
 * replies, latency and deterministic fault injection. See README.md in this folder.
 */
export {
  countAnswerOptions,
  createDefaultReplier,
  type DefaultReplierOptions,
  defaultReplier,
  estimateTokens,
  extractStory,
  makeDistribution,
  type SampleOptions,
  sampleJsonSchema,
  splitSentences,
} from './default-replier.ts';
export { drawFault, validateFaults } from './faults.ts';
export { corruptContent, startFakeOpenAI } from './server.ts';
export {
  type BadContentKind,
  type ChatContentPart,
  type ChatMessage,
  type ChatRequest,
  type ChatResponseFormat,
  type FakeOpenAIOptions,
  type FakeOpenAIOptionsPatch,
  type FakeOpenAIServer,
  type FakeOpenAIStats,
  FakeReply,
  type FakeReplyInit,
  type Fault,
  type FaultOptions,
  type FinishReason,
  fakeReply,
  type JsonSchema,
  type LatencyContext,
  type Outcome,
  type RecordedRequest,
  type ReplyContext,
  type ReplyFn,
  type ReplyValue,
  type Usage,
} from './types.ts';
