// Names carry "Discord" where the fake Slack exports the same idea (both are re-exported by the testkit).
export type { FakeInteraction, InteractionAck } from './interactions.ts';
export { LIMITS as DISCORD_LIMITS, messageProblems, modalProblems } from './limits.ts';
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
