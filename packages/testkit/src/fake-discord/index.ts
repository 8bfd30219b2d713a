export type { FakeInteraction, InteractionAck } from './interactions.ts';
export { LIMITS, messageProblems, modalProblems } from './limits.ts';
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
export type { FakeChannel, FakeMessage, FakeUser } from './state.ts';
