// Small helpers shared by the repositories.
import type { JsonInput } from '../types.ts';

/** Values reaching Prisma's Json columns; callers guarantee they are JSON-serialisable. */
export function json(value: unknown): JsonInput {
  return value as JsonInput;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows per createMany: well below PostgreSQL's 65,535 bind parameters, large enough to amortise a round trip. */
export const BATCH = 500;
