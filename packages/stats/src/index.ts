export * from './distributions.ts';
export * from './fisher.ts';
export * from './proportions.ts';
export * from './rng.ts';
export * from './types.ts';
