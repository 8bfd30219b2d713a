import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Read a JSON fixture from packages/stats/fixtures (test-only I/O). */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, '..', 'fixtures', name), 'utf8')) as T;
}

/** |actual − expected| ≤ tol · max(1, |expected|) — absolute near 0, relative for large values. */
export function close(actual: number, expected: number, tol: number): boolean {
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

/** For p-values: within tol absolutely, or within tol relatively (tiny p-values). */
export function closeP(actual: number, expected: number, tol: number): boolean {
  if (Math.abs(actual - expected) <= tol * 1e-3) return true;
  return Math.abs(actual - expected) <= tol * Math.abs(expected);
}
