#!/usr/bin/env node
// The Discord bot, from any folder: `node <repository>/apps/discord-bot/bin/discord.mjs`. Its sources
// run compiled just in time (tsx), as in the tests. Started this way rather than through a pnpm script,
// the exit code is the bot's own (2 for a missing variable) and nothing else is printed after its message.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
