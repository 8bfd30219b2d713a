#!/usr/bin/env node
// The web app for recruited participants. Runs its TypeScript sources through tsx (as the chat apps'
// `start` scripts do), so what runs is always the source as it is now.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
