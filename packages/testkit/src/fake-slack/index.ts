/**
 * A local fake of Slack (Web API, response URLs, OAuth v2, Socket Mode) and a driver that plays people
 * sending commands, clicks, modal submissions and messages to a Bolt app. See README.md in this folder.
 */
export {
  type Delivery,
  type ElementMatch,
  elementsOf,
  encodeSlackBody,
  findElement,
  httpTransport,
  type LastRequest,
  postRaw,
  SlackDriver,
  type SlackPerson,
  signSlackRequest,
  socketTransport,
  type Transport,
} from './driver.ts';
export {
  BlockKitError,
  checkMessage,
  checkView,
  DOCS as SLACK_DOCS,
  LIMITS,
  messageProblems as slackMessageProblems,
  parseMessage as parseSlackMessage,
  submissionAnswerProblems,
  viewProblems,
} from './limits.ts';
export {
  METHOD_TIERS as SLACK_METHOD_TIERS,
  SlackRateLimiter,
  type SlackRateLimitOptions,
} from './ratelimit.ts';
export { type FakeSlack, startFakeSlack } from './server.ts';
export type { FakeSocket } from './socket.ts';
export type * from './types.ts';
