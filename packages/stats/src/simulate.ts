/**
 * Synthetic oversight experiments for power simulations, benchmarks and demos. Pure: all
 * randomness comes from the supplied seeded generator.
 *
 * Generative model (logit scale): a judgment is correct with probability
 *   logistic(armEffect + honestyEffect + judgeEffect + questionEffect)
 * where judge and question effects are normal with the configured SDs; single-arguer arms use
 * `honestLogit` / `dishonestLogit` instead of `logit`. The judge's belief path drifts from 0.5
 * towards the final probability over `rounds + 1` turns.
 */
import { judgeReward } from '@oversight/core';
import type { JudgmentRow, Protocol } from './judgment.ts';
import type { Rng } from './rng.ts';

export interface SimulatedArm {
  arm: string;
  protocol: Protocol;
  /** Logit of P(correct) for a typical judge and question (debate and baselines). */
  logit?: number;
  /** Single-arguer arms: logit of P(correct) when the arguer is honest / dishonest. */
  honestLogit?: number;
  dishonestLogit?: number;
  /** Relative frequency of this arm (default 1). */
  weight?: number;
  /** Induction labels to cycle through for dishonest arguers (default: none). */
  inductions?: string[];
  /** Mean number of judge "continue" decisions (Poisson-ish, default 3). */
  meanRounds?: number;
}

export interface SimulationConfig {
  arms: SimulatedArm[];
  judgments: number;
  judges: number;
  questions: number;
  /** Questions per story (default 4). */
  questionsPerStory?: number;
  arguers?: number;
  judgeSd?: number;
  questionSd?: number;
  /** How sharp final probabilities are (default 2.5): larger = more confident judges. */
  confidence?: number;
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

function pad(i: number, width: number): string {
  return String(i).padStart(width, '0');
}

/** Generate `config.judgments` rows. */
export function simulateExperiment(config: SimulationConfig, rng: Rng): JudgmentRow[] {
  const judgeSd = config.judgeSd ?? 0.6;
  const questionSd = config.questionSd ?? 0.5;
  const perStory = config.questionsPerStory ?? 4;
  const nArguers = config.arguers ?? 24;
  const confidence = config.confidence ?? 2.5;
  const judgeEffect = Float64Array.from({ length: config.judges }, () => judgeSd * rng.normal());
  const questionEffect = Float64Array.from({ length: config.questions }, () => questionSd * rng.normal());
  const arguerSkill = Float64Array.from({ length: nArguers }, () => 0.3 * rng.normal());
  const totalWeight = config.arms.reduce((a, b) => a + (b.weight ?? 1), 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const a of config.arms) {
    acc += (a.weight ?? 1) / totalWeight;
    cumulative.push(acc);
  }
  const jw = String(config.judges).length;
  const qw = String(config.questions).length;
  const judgeIds = Array.from({ length: config.judges }, (_, i) => `judge-${pad(i, jw)}`);
  const questionIds = Array.from({ length: config.questions }, (_, i) => `q-${pad(i, qw)}`);
  const storyIds = Array.from(
    { length: Math.ceil(config.questions / perStory) },
    (_, i) => `story-${pad(i, qw)}`,
  );
  const arguerIds = Array.from({ length: nArguers }, (_, i) => `arguer-${pad(i, 2)}`);
  const rows: JudgmentRow[] = new Array(config.judgments);
  for (let t = 0; t < config.judgments; t++) {
    const u = rng.next();
    let ai = 0;
    while (ai < cumulative.length - 1 && u > cumulative[ai]!) ai++;
    const arm = config.arms[ai]!;
    const j = rng.int(config.judges);
    const q = rng.int(config.questions);
    let honest: boolean | null = null;
    let induction: string | null = null;
    let honestArguerId: string | null = null;
    let dishonestArguerId: string | null = null;
    let eta = judgeEffect[j]! + questionEffect[q]!;
    const a1 = rng.int(nArguers);
    let a2 = rng.int(nArguers - 1);
    if (a2 >= a1) a2++;
    if (arm.protocol === 'consultancy' || arm.protocol === 'sandwiching') {
      honest = rng.next() < 0.5;
      if (honest) {
        eta += (arm.honestLogit ?? 1.5) + arguerSkill[a1]!;
        honestArguerId = arguerIds[a1]!;
      } else {
        eta += (arm.dishonestLogit ?? 0) - arguerSkill[a1]!;
        dishonestArguerId = arguerIds[a1]!;
        if (arm.inductions && arm.inductions.length > 0)
          induction = arm.inductions[t % arm.inductions.length]!;
      }
    } else if (arm.protocol === 'debate' || arm.protocol === 'interactive-debate') {
      eta += (arm.logit ?? 1) + arguerSkill[a1]! - arguerSkill[a2]!;
      honestArguerId = arguerIds[a1]!;
      dishonestArguerId = arguerIds[a2]!;
      if (arm.inductions && arm.inductions.length > 0) induction = arm.inductions[t % arm.inductions.length]!;
    } else {
      eta += arm.logit ?? 0;
    }
    const correct = rng.next() < logistic(eta);
    // final probability: confident in the chosen answer, more so when the evidence was clear
    const strength = Math.abs(eta) * 0.5 + confidence * (0.4 + 0.6 * rng.next());
    const pChosen = Math.min(0.99, Math.max(0.51, logistic(strength) - 0.02 * rng.next()));
    const probCorrect = Math.round((correct ? pChosen : 1 - pChosen) * 100) / 100;
    const meanRounds = arm.meanRounds ?? 3;
    const rounds =
      arm.protocol === 'judge-alone' || arm.protocol === 'oracle'
        ? 0
        : Math.min(10, Math.floor(-meanRounds * Math.log(1 - rng.next() * 0.999)));
    const beliefs: number[] = [];
    for (let k = 0; k <= rounds; k++) {
      const frac = (k + 1) / (rounds + 1);
      const noise = k === rounds ? 0 : 0.08 * rng.normal();
      const b = 0.5 + (probCorrect - 0.5) * frac + noise;
      beliefs.push(k === rounds ? probCorrect : Math.round(Math.min(0.99, Math.max(0.01, b)) * 100) / 100);
    }
    const reward = judgeReward(probCorrect, rounds);
    rows[t] = {
      trialId: `trial-${t}`,
      arm: arm.arm,
      protocol: arm.protocol,
      questionId: questionIds[q]!,
      storyId: storyIds[Math.floor(q / perStory)]!,
      judgeId: judgeIds[j]!,
      arguerHonest: honest,
      induction,
      honestArguerId,
      dishonestArguerId,
      probCorrect,
      correct: probCorrect > 0.5,
      rounds,
      reward,
      beliefs,
      // a simulation, and labelled as one wherever its rows go
      judgeKind: 'simulated',
      ...(honestArguerId === null ? {} : { honestArguerKind: 'simulated' }),
      ...(dishonestArguerId === null ? {} : { dishonestArguerKind: 'simulated' }),
    };
  }
  return rows;
}

/** A small lab-style design used by the demo report and the tests. */
export const DEMO_ARMS: SimulatedArm[] = [
  { arm: 'debate', protocol: 'debate', logit: 1.6, meanRounds: 3 },
  { arm: 'interactive-debate', protocol: 'interactive-debate', logit: 1.9, meanRounds: 3.5 },
  {
    arm: 'consultancy',
    protocol: 'consultancy',
    honestLogit: 2.2,
    dishonestLogit: -0.3,
    inductions: ['prompted', 'best-of-n'],
    meanRounds: 4,
  },
  { arm: 'sandwiching', protocol: 'sandwiching', honestLogit: 2.0, dishonestLogit: 0.2, meanRounds: 5 },
  { arm: 'judge-alone', protocol: 'judge-alone', logit: 0.3, weight: 0.5 },
];
