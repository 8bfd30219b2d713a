import { unitDraw } from './prng.ts';
import type { Fault, FaultOptions } from './types.ts';

/**
 * The fault for chat-completion call `callIndex`: `faultScript[callIndex]` when the script covers
 * it, else a draw from the rates. The draw is a uniform number that depends only on
 * (`faults.seed`, `callIndex`), compared with the cumulative rates in the order
 * 429, 500, hang, malformed, badContent — so a given seed always faults the same call indices,
 * whatever the order in which concurrent requests arrive.
 */
export function drawFault(
  faults: FaultOptions | undefined,
  callIndex: number,
  faultScript?: readonly Fault[],
): Fault {
  const scripted = faultScript?.[callIndex];
  if (scripted !== undefined) return scripted;
  if (faults === undefined) return 'ok';
  const rates: Array<[Fault, number | undefined]> = [
    ['429', faults.rate429],
    ['500', faults.rate500],
    ['hang', faults.rateHang],
    ['malformed', faults.rateMalformed],
    ['badContent', faults.rateBadContent],
  ];
  if (rates.every(([, rate]) => !rate)) return 'ok';
  const u = unitDraw(faults.seed, callIndex);
  let cumulative = 0;
  for (const [fault, rate] of rates) {
    cumulative += Math.max(0, rate ?? 0);
    if (u < cumulative) return fault;
  }
  return 'ok';
}

/** Throws on rates outside [0, 1] or summing to more than 1 (a likely typo in a test). */
export function validateFaults(faults: FaultOptions | undefined): void {
  if (faults === undefined) return;
  const rates = [
    faults.rate429,
    faults.rate500,
    faults.rateHang,
    faults.rateMalformed,
    faults.rateBadContent,
  ];
  let sum = 0;
  for (const rate of rates) {
    if (rate === undefined) continue;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fake-openai: fault rate ${rate} is not in [0, 1]`);
    sum += rate;
  }
  if (sum > 1 + 1e-9) throw new RangeError(`fake-openai: fault rates sum to ${sum} > 1`);
  if (faults.retryAfterSeconds !== undefined && !(faults.retryAfterSeconds >= 0)) {
    throw new RangeError('fake-openai: retryAfterSeconds must be >= 0');
  }
}
