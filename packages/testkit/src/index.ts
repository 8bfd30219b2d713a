export * from './audit.ts';
export * from './blinding.ts';
export * from './children.ts';
export * from './fake-discord/index.ts';
export * from './fake-openai/index.ts';
export * from './fake-slack/index.ts';
export * from './questions.ts';
export * from './realistic.ts';
