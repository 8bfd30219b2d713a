export * from './ids.ts';
export * from './notices.ts';
export * from './pause.ts';
export * from './present.ts';
export * from './service.ts';
export * from './speech.ts';
export * from './split.ts';
export * from './sync.ts';
