import type { ArguerAssignment, TrialCreated } from './events.ts';
import {
  type Arm,
  type ExperimentConfig,
  isHumanPool,
  type JudgePool,
  type Pool,
} from './experiment-config.ts';
import type { ParticipantRecord, ParticipantSpec } from './participant-spec.ts';
import { protocolFor } from './protocols.ts';
import type { Question } from './question.ts';
import { createRng, type Rng } from './random.ts';

/**
 * Counterbalanced assignment. Per question and arm: the correct answer is shown first in half the
 * trials, the single arguer (consultancy, sandwiching) is honest in half, and each debater defends
 * the correct answer in half. No judge sees a story twice. Every draw comes from the experiment seed;
 * the draws that decide where the correct answer is (answer order, the honest side, which wrong answer
 * is shown) are also keyed with the experiment's blinding key when people take part (see PlanOptions).
 */

export interface PlanOptions {
  /**
   * A random key kept with the experiment in the database, never in its config, when people take
   * part: with it the published config (seed included) is not enough to rebuild which answer of a
   * trial is correct from anything a participant can learn (the trial's place in the plan, the order
   * seats are given). Null or absent: those draws come from the seed alone, so a run of simulated and
   * model participants replays from its config.
   */
  blindingKey?: string | null;
}

export class AssignmentError extends Error {
  override name = 'AssignmentError';
}

export interface ExperimentParticipants {
  /** Judges assigned at planning time: the members of pools of simulated or model judges. */
  judges: Array<ParticipantRecord & { pool: string }>;
  /**
   * Per arm: the arguer, and the wrong-side arguer when the arm sets one; null when that side is
   * argued by people, who take the seats from the arm's arguer pools when they ask for work.
   */
  arguers: Record<string, { honest: ParticipantRecord | null; dishonest: ParticipantRecord | null }>;
}

const LABELS: Record<ParticipantSpec['kind'], string> = {
  'simulated-judge': 'simulated judge',
  'simulated-arguer': 'simulated arguer',
  human: 'person',
  llm: 'model',
};

function label(spec: ParticipantSpec, name: string): string {
  const detail = spec.kind === 'llm' ? ` ${spec.model}` : spec.kind === 'human' ? ` (${spec.platform})` : '';
  return `${name} [${LABELS[spec.kind]}${detail}]`;
}

function poolJudgeIds(pool: JudgePool): string[] {
  if (pool.ids) return pool.ids;
  const count = pool.count ?? 0;
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => `${pool.name}-${String(i + 1).padStart(width, '0')}`);
}

export function experimentParticipants(config: ExperimentConfig): ExperimentParticipants {
  const judges = config.judges
    .filter((pool) => !isHumanPool(pool))
    .flatMap((pool) =>
      poolJudgeIds(pool).map((id) => ({
        id,
        pool: pool.name,
        label: label(pool.participant, id),
        spec: pool.participant,
      })),
    );
  const seen = new Set<string>();
  for (const judge of judges) {
    if (seen.has(judge.id))
      throw new AssignmentError(`judge id "${judge.id}" appears in two judge pools; ids must be unique`);
    seen.add(judge.id);
  }
  const arguers: ExperimentParticipants['arguers'] = {};
  for (const arm of config.arms) {
    const honest =
      arm.arguer.kind === 'human'
        ? null
        : { id: `${arm.name}.arguer`, label: label(arm.arguer, `${arm.name} arguer`), spec: arm.arguer };
    const dishonestSpec = arm.dishonestArguer ?? arm.arguer;
    const dishonest =
      dishonestSpec.kind === 'human'
        ? null
        : arm.dishonestArguer
          ? {
              id: `${arm.name}.dishonest-arguer`,
              label: label(arm.dishonestArguer, `${arm.name} wrong-side arguer`),
              spec: arm.dishonestArguer,
            }
          : honest;
    arguers[arm.name] = { honest, dishonest };
  }
  return { judges, arguers };
}

/** The judge pools an arm draws from. */
export function judgePoolsOf(config: ExperimentConfig, arm: Arm): Pool[] {
  const names = arm.judgePools ?? config.judges.map((p) => p.name);
  return config.judges.filter((p) => names.includes(p.name));
}

/** Whether people judge this arm (they take the judge seat when they ask for work). */
export function isPeopleJudged(config: ExperimentConfig, arm: Arm): boolean {
  return judgePoolsOf(config, arm).some(isHumanPool);
}

/**
 * The pools of people who argue in an arm. When an arm's arguer is `human` and the config names no
 * pools under `arguers`, an open pool called "arguers" stands in, so a small study needs no more.
 */
export function arguerPoolsOf(config: ExperimentConfig, arm: Arm): Pool[] {
  const pools = config.arguers ?? [];
  const people = arm.arguer.kind === 'human' || arm.dishonestArguer?.kind === 'human';
  if (!people) return [];
  if (pools.length === 0) {
    const spec = arm.arguer.kind === 'human' ? arm.arguer : arm.dishonestArguer!;
    return [{ name: 'arguers', participant: spec }];
  }
  return arm.arguerPools ? pools.filter((p) => arm.arguerPools!.includes(p.name)) : pools;
}

/** Every pool people may join, by name: judge pools of people and arguer pools. */
export function peoplePools(
  config: ExperimentConfig,
): Map<string, { pool: Pool; seats: 'judge' | 'arguer' }> {
  const out = new Map<string, { pool: Pool; seats: 'judge' | 'arguer' }>();
  for (const pool of config.judges) if (isHumanPool(pool)) out.set(pool.name, { pool, seats: 'judge' });
  for (const arm of config.arms)
    for (const pool of arguerPoolsOf(config, arm)) out.set(pool.name, { pool, seats: 'arguer' });
  return out;
}

/** How the wrong-side arguer of an arm is made to argue for it, as recorded with each trial. */
export function inductionOf(arm: Arm): string | null {
  if (protocolFor(arm.protocol).arguerRoles.length === 0) return null;
  const spec = arm.dishonestArguer ?? arm.arguer;
  if (spec.kind === 'llm') return arm.dishonestArguer ? 'model' : spec.induction.method;
  if (spec.kind === 'simulated-arguer') return 'simulated';
  if (spec.kind === 'human') return 'human';
  return null;
}

export interface PlannedTrial {
  ordinal: number;
  created: TrialCreated;
}

/**
 * The wrong answer a two-answer trial of this question shows: the dataset's distractorIndex, else a
 * draw per question (not per arm), so every arm compares the same two answers.
 */
function distractorFor(question: Question, rng: Rng): number {
  if (question.distractorIndex !== undefined) return question.distractorIndex;
  const wrong = question.answers.map((_, i) => i).filter((i) => i !== question.correctIndex);
  return wrong[rng.int(wrong.length)]!;
}

/** How many trials planTrials makes: every arm's trials per question for every question. */
export function countPlannedTrials(config: ExperimentConfig, questions: readonly Question[]): number {
  // Offline arms (`source`) are planned from another experiment's trials (offline.ts), not here.
  return config.arms.reduce((n, arm) => n + (arm.source ? 0 : questions.length * arm.trialsPerQuestion), 0);
}

/** Plans every trial of an experiment, deterministically from its config and seed, in plan order. */
export function planTrials(
  experimentId: string,
  config: ExperimentConfig,
  questions: readonly Question[],
  participants: ExperimentParticipants = experimentParticipants(config),
  dataset?: string,
  options: PlanOptions = {},
): PlannedTrial[] {
  return [...streamTrials(experimentId, config, questions, participants, dataset, options)].sort(
    (a, b) => a.ordinal - b.ordinal,
  );
}

/**
 * The same trials as planTrials, made story by story (stories in id order; within a story, in plan
 * order), so a million trials need the memory of one story's: what the judge rule (no judge sees a
 * story twice) needs to remember is per story. Judges are dealt round-robin from a seeded shuffle of
 * each pool set's judges, skipping those who have seen the story, so loads stay within one or two of
 * each other. Throws AssignmentError, at the story concerned, when a story has more trials than judges.
 */
export function* streamTrials(
  experimentId: string,
  config: ExperimentConfig,
  questions: readonly Question[],
  participants: ExperimentParticipants = experimentParticipants(config),
  dataset?: string,
  options: PlanOptions = {},
): Generator<PlannedTrial, void, undefined> {
  const root = createRng(config.seed);
  const truth = options.blindingKey ? createRng(`blinding/${options.blindingKey}/${config.seed}`) : root;
  const judgesRng = root.fork('judges');
  const sorted = [...questions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byStory = new Map<string, Array<{ question: Question; index: number }>>();
  sorted.forEach((question, index) => {
    const list = byStory.get(question.storyId) ?? [];
    list.push({ question, index });
    byStory.set(question.storyId, list);
  });
  const stories = [...byStory.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // An arm's trials come after every earlier arm's in plan order: questions in id order, k within.
  let offset = 0;
  const arms = config.arms
    .filter((arm) => !arm.source)
    .map((arm) => {
      const plan = {
        arm,
        def: protocolFor(arm.protocol),
        ...participants.arguers[arm.name]!,
        // People take the judge seat when they ask for work; automatic judges are assigned now.
        pools: isPeopleJudged(config, arm) ? null : judgePoolsOf(config, arm).map((p) => p.name),
        offset,
      };
      offset += sorted.length * arm.trialsPerQuestion;
      return plan;
    });
  const rings = new Map<string, { judges: string[]; cursor: number }>();
  const ringOf = (pools: string[]) => {
    const key = pools.join('|');
    let ring = rings.get(key);
    if (!ring) {
      const names = new Set(pools);
      const ids = participants.judges.filter((j) => names.has(j.pool)).map((j) => j.id);
      ring = { judges: judgesRng.fork(key).shuffle(ids), cursor: 0 };
      rings.set(key, ring);
    }
    if (ring.judges.length === 0) throw new AssignmentError(`no judges in pools ${pools.join(', ')}`);
    return ring;
  };

  for (const storyId of stories) {
    const storyQuestions = byStory.get(storyId)!;
    const seen = new Set<string>();
    for (const { arm, def, honest, dishonest, pools, offset } of arms) {
      for (const { question, index } of storyQuestions) {
        const rng = truth.fork(`assign/${arm.name}/${question.id}`);
        const orderCoin = rng.int(2);
        const honestyCoin = rng.int(2);
        const distractor = distractorFor(question, truth.fork(`distractor/${question.id}`));
        for (let k = 0; k < arm.trialsPerQuestion; k++) {
          const single = def.arguerRoles.length === 1;
          // With one arguer, honesty alternates fastest and answer order every second trial, so
          // any even count balances honesty and every multiple of four balances both.
          const correctFirst = ((single ? Math.floor(k / 2) : k) + orderCoin) % 2 === 0;
          const correctDisplayed = correctFirst ? 0 : 1;
          const displayed = correctFirst
            ? [question.correctIndex, distractor]
            : [distractor, question.correctIndex];
          const singleHonest = (k + honestyCoin) % 2 === 0;
          const arguers: ArguerAssignment[] = def.arguerRoles.map((role, i) => {
            const answer = single ? (singleHonest ? correctDisplayed : 1 - correctDisplayed) : i;
            const isHonest = answer === correctDisplayed;
            return {
              role,
              participantId: (isHonest ? honest : dishonest)?.id ?? null,
              answer,
              honest: isHonest,
            };
          });
          const trialId = `${experimentId}.${arm.name}.${question.id}.${k}`;
          let judgeId: string | null = null;
          if (pools) {
            const ring = ringOf(pools);
            for (let step = 0; step < ring.judges.length && judgeId === null; step++) {
              const candidate = ring.judges[(ring.cursor + step) % ring.judges.length]!;
              if (!seen.has(candidate)) {
                judgeId = candidate;
                ring.cursor = (ring.cursor + step + 1) % ring.judges.length;
              }
            }
            if (judgeId === null) {
              const needed = arms.reduce((n, a) => n + storyQuestions.length * a.arm.trialsPerQuestion, 0);
              throw new AssignmentError(
                `not enough judges: story "${storyId}" has ${needed} trials and each judge may see a story once, but pools ${pools.join(', ')} have ${ring.judges.length} judge${ring.judges.length === 1 ? '' : 's'}; add judges (judges[].count) or lower trialsPerQuestion or questions.limit`,
              );
            }
            seen.add(judgeId);
          }
          yield {
            ordinal: offset + index * arm.trialsPerQuestion + k,
            created: {
              type: 'TrialCreated',
              trialId,
              experimentId,
              arm: arm.name,
              ...(dataset === undefined ? {} : { dataset }),
              rules: {
                protocol: arm.protocol,
                rounds: arm.rounds,
                speeches: arm.speeches,
                charLimit: arm.charLimit,
                quoteLimit: arm.quoteLimit,
                judgeMayEndEarly: arm.judgeMayEndEarly,
                beliefsEachRound: arm.beliefsEachRound,
                ...(arm.paceSeconds === undefined ? {} : { paceSeconds: arm.paceSeconds }),
                ...(arm.interjections === undefined ? {} : { interjections: arm.interjections }),
                ...(arm.maxInterjections === undefined ? {} : { maxInterjections: arm.maxInterjections }),
                ...(arm.interjectionPenalty === undefined
                  ? {}
                  : { interjectionPenalty: arm.interjectionPenalty }),
              },
              questionId: question.id,
              storyId: question.storyId,
              displayed,
              correctDisplayed,
              arguers,
              induction: inductionOf(arm),
              seed: `${config.seed}/${trialId}`,
              judgeId,
            },
          };
        }
      }
    }
  }
}
