export * from './db-source.ts';
export * from './export.ts';
export * from './manifest.ts';
export * from './preference.ts';
export * from './rebuild.ts';
export * from './sft.ts';
export * from './speeches.ts';
export * from './split.ts';
