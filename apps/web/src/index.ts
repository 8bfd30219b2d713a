export * from './arrival.ts';
export * from './html.ts';
export * from './keys.ts';
export * from './live.ts';
export * from './server.ts';
