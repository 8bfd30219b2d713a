export { BotSetupError, INTENTS, type RunningBot, startBot } from './bot.ts';
export { commandDefinitions } from './commands.ts';
export { type BotEnv, EnvError, readEnv } from './env.ts';
export * from './render.ts';
