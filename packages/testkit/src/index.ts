export * from './fake-openai/index.ts';
