import type { JudgmentRecord, TrialEvent } from '@oversight/core';

export type TrialStatus = 'active' | 'waiting' | 'finished' | 'aborted';

export interface AppendInput {
  trialId: string;
  /** The seq the first event gets; the append fails if another writer got there first. */
  expectedSeq: number;
  events: TrialEvent[];
  status: TrialStatus;
  /** The participant whose move is awaited next, if any. */
  waitingOn: string | null;
  /** Written in the same transaction as the verdict. */
  judgment: JudgmentRecord | null;
}

/** Where trial logs live. The runner needs only these two operations. */
export interface TrialStore {
  loadEvents(trialId: string): Promise<TrialEvent[]>;
  append(input: AppendInput): Promise<void>;
}

/** Another writer appended first; reload and carry on from what it wrote. */
export class AppendConflict extends Error {
  override name = 'AppendConflict';
}

/** A store in memory, for tests and for dry runs. */
export class MemoryTrialStore implements TrialStore {
  readonly logs = new Map<string, TrialEvent[]>();
  readonly judgments = new Map<string, JudgmentRecord>();
  readonly status = new Map<string, { status: TrialStatus; waitingOn: string | null }>();

  create(events: TrialEvent[], status: TrialStatus = 'active', waitingOn: string | null = null): void {
    const first = events[0];
    if (first?.type !== 'TrialCreated') throw new Error('a trial starts with TrialCreated');
    if (!this.logs.has(first.trialId)) {
      this.logs.set(first.trialId, structuredClone(events));
      this.status.set(first.trialId, { status, waitingOn });
    }
  }

  async loadEvents(trialId: string): Promise<TrialEvent[]> {
    const log = this.logs.get(trialId);
    if (!log) throw new Error(`no trial ${trialId}`);
    return structuredClone(log);
  }

  async append(input: AppendInput): Promise<void> {
    const log = this.logs.get(input.trialId);
    if (!log) throw new Error(`no trial ${input.trialId}`);
    if (log.length !== input.expectedSeq)
      throw new AppendConflict(`trial ${input.trialId} is at seq ${log.length}`);
    log.push(...structuredClone(input.events));
    this.status.set(input.trialId, { status: input.status, waitingOn: input.waitingOn });
    if (input.judgment) this.judgments.set(input.trialId, input.judgment);
  }
}
