import type { Qualification } from './experiment-config.ts';
import type { Role } from './protocol-kind.ts';
import { createRng } from './random.ts';

/**
 * Seats for people, given when a person asks for work. The design's balance (honest/dishonest,
 * answer order) is fixed when trials are planned; these rules decide which trial a person gets:
 * never a story they have already seen in any seat (here, or in another experiment on the same
 * dataset) when they are to judge it, never two seats in one trial, and arms in a seeded random
 * order balanced per person, so that protocol is not confounded with practice, fatigue or the
 * order trials were planned in.
 */

/** A seat whose move is due and that nobody holds yet. */
export interface OpenSeat {
  trialId: string;
  arm: string;
  role: Role;
  storyId: string;
  /** The trial's place in the plan: ties go to the earlier one. */
  ordinal: number;
}

/** What a person has done in the experiment so far, and which stories they have seen. */
export interface SeatHistory {
  /**
   * Stories of the experiment's dataset they have seen: every trial in which they held a seat (an
   * arguer reads the story; a judge is shown the answer), in this experiment and, unless the config
   * says `eachStoryOnce: "per-experiment"`, in every other experiment on the same dataset.
   */
  stories: ReadonlySet<string>;
  /** Trials in which they held a seat. */
  trials: ReadonlySet<string>;
  /** Seats held so far per arm. */
  perArm: Readonly<Record<string, number>>;
  /** Seats held so far in all. */
  total: number;
}

export function mayTake(seat: OpenSeat, history: SeatHistory): boolean {
  if (history.trials.has(seat.trialId)) return false;
  return seat.role !== 'judge' || !history.stories.has(seat.storyId);
}

/**
 * The seat a person gets next, or null. Among the arms with a seat they may take, the one they have
 * met least; ties, and the trial within the arm, are drawn from a seed of the experiment, the person
 * and how many seats they have had, so the order is random, reproducible and recorded.
 */
export function chooseSeat(
  seats: readonly OpenSeat[],
  history: SeatHistory,
  seed: string,
  participantId: string,
): OpenSeat | null {
  return seatOrder(seats, history, seed, participantId)[0] ?? null;
}

/**
 * Every seat the person may take, in the order to try them when others may be taking seats at the
 * same moment: arms from least met to most (ties in a seeded order), and within an arm a seeded
 * permutation of its seats, so people asking at once start at different seats instead of racing for
 * the earliest. The first is chooseSeat's. Drawn from the same seed; nothing in it depends on a
 * trial's answer.
 */
export function seatOrder(
  seats: readonly OpenSeat[],
  history: SeatHistory,
  seed: string,
  participantId: string,
): OpenSeat[] {
  const byArm = new Map<string, OpenSeat[]>();
  for (const seat of seats) {
    if (!mayTake(seat, history)) continue;
    const list = byArm.get(seat.arm) ?? [];
    list.push(seat);
    byArm.set(seat.arm, list);
  }
  if (byArm.size === 0) return [];
  const rng = createRng(`${seed}/seating/${participantId}/${history.total}`);
  const shuffled = rng.fork('arm').shuffle([...byArm.keys()].sort());
  const met = (arm: string) => history.perArm[arm] ?? 0;
  // A stable sort keeps the seeded order among arms met equally often.
  const arms = shuffled.map((arm, i) => ({ arm, i })).sort((a, b) => met(a.arm) - met(b.arm) || a.i - b.i);
  return arms.flatMap(({ arm }, k) => {
    const candidates = byArm.get(arm)!.sort((a, b) => a.ordinal - b.ordinal || (a.role < b.role ? -1 : 1));
    const pick = k === 0 ? rng.fork('trial') : rng.fork(`trial/${arm}`);
    const first = candidates.splice(pick.int(candidates.length), 1);
    return [...first, ...pick.fork('rest').shuffle(candidates)];
  });
}

export type QualificationStatus =
  | { state: 'qualified'; correct: number; done: number }
  | { state: 'practising'; correct: number; done: number; seatsLeft: number }
  | { state: 'failed'; correct: number; done: number };

/**
 * Where a person stands with the practice trials: `results` holds whether each finished practice
 * verdict was correct, `inFlight` the practice seats they hold that are not finished yet.
 */
export function qualificationStatus(
  rule: Qualification,
  results: readonly boolean[],
  inFlight: number,
): QualificationStatus {
  const correct = results.filter(Boolean).length;
  const done = results.length;
  if (correct >= rule.minCorrect) return { state: 'qualified', correct, done };
  if (correct + (rule.trials - done) < rule.minCorrect) return { state: 'failed', correct, done };
  return { state: 'practising', correct, done, seatsLeft: Math.max(0, rule.trials - done - inFlight) };
}

const ADJECTIVES = [
  'amber',
  'azure',
  'brisk',
  'calm',
  'cedar',
  'coral',
  'crisp',
  'dusky',
  'ember',
  'fern',
  'frost',
  'gentle',
  'golden',
  'granite',
  'hazel',
  'indigo',
  'ivory',
  'jade',
  'keen',
  'lilac',
  'lunar',
  'maple',
  'misty',
  'noble',
  'ochre',
  'olive',
  'pearl',
  'quiet',
  'russet',
  'sable',
  'silver',
  'slate',
  'sunny',
  'swift',
  'tawny',
  'umber',
  'velvet',
  'willow',
  'winter',
  'zephyr',
];
const ANIMALS = [
  'badger',
  'bison',
  'crane',
  'curlew',
  'dolphin',
  'eagle',
  'egret',
  'falcon',
  'ferret',
  'finch',
  'fox',
  'gecko',
  'heron',
  'ibex',
  'jackal',
  'kestrel',
  'koala',
  'lark',
  'lemur',
  'lynx',
  'marten',
  'moose',
  'newt',
  'ocelot',
  'osprey',
  'otter',
  'owl',
  'panda',
  'puffin',
  'quail',
  'raven',
  'robin',
  'seal',
  'stoat',
  'swan',
  'tapir',
  'tern',
  'vole',
  'walrus',
  'wren',
];

/**
 * The name others see for a person: drawn from a random token made at join time, so it says
 * nothing about their platform identity.
 */
export function pseudonymFrom(token: string): string {
  const rng = createRng(`pseudonym/${token}`);
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  return `${cap(ADJECTIVES[rng.int(ADJECTIVES.length)]!)} ${cap(ANIMALS[rng.int(ANIMALS.length)]!)}`;
}
