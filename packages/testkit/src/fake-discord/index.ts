// Names carry "Discord" where the fake Slack exports the same idea (both are re-exported by the testkit).
export type { FakeInteraction, InteractionAck } from './interactions.ts';
export {
  callbackProblems,
  commandProblems,
  DOCS as DISCORD_DOCS,
  LIMITS as DISCORD_LIMITS,
  messageProblems,
  modalInputs,
  modalProblems,
  modalText,
  pingsOf,
  threadProblems,
} from './limits.ts';
export {
  DEFAULT_ROUTE_LIMITS as DISCORD_ROUTE_LIMITS,
  DiscordRateLimiter,
  type DiscordRateLimitOptions,
  type RouteLimit,
} from './ratelimit.ts';
export {
  Acted,
  type CommandInput,
  controlsOf,
  FakeDiscord,
  type FakeDiscordOptions,
  messageText,
  type RestCall,
  startFakeDiscord,
} from './server.ts';
export type {
  FakeChannel as FakeDiscordChannel,
  FakeMessage as FakeDiscordMessage,
  FakeUser as FakeDiscordUser,
} from './state.ts';
