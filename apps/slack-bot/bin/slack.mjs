#!/usr/bin/env node
// The Slack app, from any folder: `node <repository>/apps/slack-bot/bin/slack.mjs`. Its sources run
// compiled just in time (tsx), as in the tests. Started this way rather than through a pnpm script,
// the exit code is the app's own (2 for a missing variable) and nothing else is printed after its message.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
