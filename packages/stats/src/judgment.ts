/** One judgment: the unit of analysis (one judge's final verdict on one trial). */
import { type JudgmentRecord, PROTOCOL_KINDS, type ProtocolKind, protocolFor } from '@oversight/core';

/** The protocols, in the order reports list them. */
export const PROTOCOLS = PROTOCOL_KINDS;
export type Protocol = ProtocolKind;

/**
 * Who a participant was, as reports label it: 'simulated' (a model of a person, told the truth),
 * 'model' (an AI system; `model` names it), 'person', or another participant kind's own name.
 */
export interface ParticipantLabel {
  kind: string;
  /** The model behind a 'model' participant (e.g. "gpt-4o"); null otherwise. */
  model: string | null;
}

/** What an export adds to a judgment: where it came from and what the trial's log holds. */
export interface JudgmentProvenance {
  experimentId?: string;
  judgeKind?: string | null;
  judgeModel?: string | null;
  honestArguerKind?: string | null;
  honestArguerModel?: string | null;
  dishonestArguerKind?: string | null;
  dishonestArguerModel?: string | null;
  /** Original answer indices in the order the judge saw them. */
  displayed?: number[] | null;
  /** Index into `displayed` of the correct answer. */
  correctDisplayed?: number | null;
  /** The judge's stated reason for the verdict. */
  rationale?: string | null;
  /** ISO time each move (each event after TrialCreated) was recorded, in log order. */
  moveTimes?: string[] | null;
  /**
   * The transcript the judge read, when it is shared with other judgments (a model re-judging a
   * finished debate, an offline judge reading a live one): judgments with the same transcriptId are
   * compared as paired data and for agreement. Absent: the trial's own transcript.
   */
  transcriptId?: string | null;
}

/**
 * A judgment as core records it, with optional provenance. The statistics need neither an
 * experiment id nor provenance (a CSV may carry neither); where participant kinds are present the
 * report says which participants were simulated, models or people.
 */
export type JudgmentRow = Omit<JudgmentRecord, 'experimentId'> & JudgmentProvenance;

/** Protocols with a single arguer whose honesty varies between trials. */
export function isSingleArguerProtocol(p: Protocol): boolean {
  return protocolFor(p).arguerRoles.length === 1;
}

/** Protocols with two opposing arguers. */
export function isDebateProtocol(p: Protocol): boolean {
  return protocolFor(p).arguerRoles.length === 2;
}

/** Protocols without arguers (baselines). */
export function isBaselineProtocol(p: Protocol): boolean {
  return protocolFor(p).arguerRoles.length === 0;
}
/** The word for the arguers of a protocol, plural. */
export function arguerNoun(p: Protocol): string {
  switch (p) {
    case 'debate':
    case 'interactive-debate':
      return 'debaters';
    case 'consultancy':
      return 'consultants';
    case 'sandwiching':
      return 'assistants';
    case 'judge-alone':
      return 'judges alone';
    case 'oracle':
      return 'judges with the source text';
  }
}
