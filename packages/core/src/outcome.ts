import type { RewardConfig } from './experiment-config.ts';
import type { ProtocolKind, Role } from './protocol-kind.ts';
import { rewardOf } from './reward.ts';
import type { TrialState } from './state.ts';

/** One finished judgment, as the statistics read it (the `Judgment` table mirrors this). */
export interface JudgmentRecord {
  trialId: string;
  experimentId: string;
  arm: string;
  protocol: ProtocolKind;
  questionId: string;
  storyId: string;
  judgeId: string;
  /** Consultancy and sandwiching: was the single arguer assigned the correct answer. */
  arguerHonest: boolean | null;
  induction: string | null;
  honestArguerId: string | null;
  dishonestArguerId: string | null;
  probCorrect: number;
  correct: boolean;
  /** Rounds the judge chose to continue (what the per-round penalty counts). */
  rounds: number;
  reward: number;
  /** Probability on the correct answer after each judge turn that reported one, the verdict last. */
  beliefs: number[];
}

/** The judgment a finished trial yields, or null if it has no verdict (still running or aborted). */
export function judgmentOf(state: TrialState, reward: RewardConfig): JudgmentRecord | null {
  const { created, verdict } = state;
  if (!verdict) return null;
  const onCorrect = (probabilities: readonly number[]) => probabilities[created.correctDisplayed] ?? 0;
  const probCorrect = onCorrect(verdict.probabilities);
  const continues = state.beliefs.length;
  const beliefs = [
    ...state.beliefs.flatMap((b) => (b.probabilities ? [onCorrect(b.probabilities)] : [])),
    probCorrect,
  ];
  const single = created.arguers.length === 1 ? created.arguers[0] : undefined;
  return {
    trialId: created.trialId,
    experimentId: created.experimentId,
    arm: created.arm,
    protocol: created.rules.protocol,
    questionId: created.questionId,
    storyId: created.storyId,
    judgeId: state.seats.judge ?? '',
    arguerHonest: single ? single.honest : null,
    induction: created.induction,
    // Offline: the arguers are a replay, not participants who could be rated.
    honestArguerId: created.offline ? null : seatOf(state, created.arguers.find((a) => a.honest)?.role),
    dishonestArguerId: created.offline ? null : seatOf(state, created.arguers.find((a) => !a.honest)?.role),
    probCorrect,
    correct: probCorrect > 0.5,
    rounds: continues,
    reward: rewardOf(state, probCorrect, reward),
    beliefs,
  };
}

function seatOf(state: TrialState, role: Role | undefined): string | null {
  return role ? (state.seats[role] ?? null) : null;
}
