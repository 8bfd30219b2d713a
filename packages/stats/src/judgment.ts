/** One judgment: the unit of analysis (one judge's final verdict on one trial). */
import { type JudgmentRecord, PROTOCOL_KINDS, type ProtocolKind, protocolFor } from '@oversight/core';

/** The protocols, in the order reports list them. */
export const PROTOCOLS = PROTOCOL_KINDS;
export type Protocol = ProtocolKind;

/** A judgment as core records it; the statistics need no experiment id (a CSV may not carry one). */
export type JudgmentRow = Omit<JudgmentRecord, 'experimentId'>;

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
