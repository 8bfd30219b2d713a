import type { JudgmentRecord, OwedMove, Role, TrialEvent } from '@oversight/core';

export type TrialStatus = 'active' | 'waiting' | 'finished' | 'aborted';

/** A due move, and whether a person owes it (else `serve` drives it). */
export interface OwedMoveRecord extends OwedMove {
  human: boolean;
}

/** Who made a move from outside, from where; the key makes it idempotent. */
export interface MoveReceipt {
  /** The platform's interaction or event id (e.g. "discord:interaction:123"): the same key is one move. */
  key: string;
  participantId: string;
  platform: string;
  ref: string;
}

/** Everything one append writes, in one atomic step: see trialRecord (record.ts), which builds it. */
export interface AppendInput {
  trialId: string;
  /** The seq the first event gets; the append fails if another writer got there first. */
  expectedSeq: number;
  events: TrialEvent[];
  status: TrialStatus;
  /** Present when the judge seat changed hands (null: back to the pool). */
  judgeId?: string | null;
  /** Every move due after these events. */
  owed: OwedMoveRecord[];
  /** Seats these events gave. */
  seats: Array<{ role: Role; participantId: string }>;
  /** "Your turn" notices for people these events made a move due for. */
  notify: Array<{ participantId: string; role: Role; sinceSeq: number }>;
  /** Written in the same transaction as the verdict (none for practice trials). */
  judgment: JudgmentRecord | null;
  receipt?: MoveReceipt;
  /** The trial just became active (a person's move, a seat taken): wake the services to drive it. */
  wake: boolean;
}

export interface StoredReceipt {
  trialId: string;
  seq: number;
  events: number;
  participantId: string;
}

/** Where trial logs live. The runner needs only these operations. */
export interface TrialStore {
  loadEvents(trialId: string): Promise<TrialEvent[]>;
  /** Throws AppendConflict when another writer got there first, DuplicateMove when the receipt's key is known. */
  append(input: AppendInput): Promise<void>;
  receipt(key: string): Promise<StoredReceipt | null>;
}

/** Another writer appended first; reload and carry on from what it wrote. */
export class AppendConflict extends Error {
  override name = 'AppendConflict';
}

/** The move's key was recorded already: the same click or event arrived twice. */
export class DuplicateMove extends Error {
  override name = 'DuplicateMove';
}

/** A store in memory, for tests and simulations; it keeps the same promises as the database. */
export class MemoryTrialStore implements TrialStore {
  readonly logs = new Map<string, TrialEvent[]>();
  readonly judgments = new Map<string, JudgmentRecord>();
  readonly status = new Map<string, TrialStatus>();
  readonly owed = new Map<string, OwedMoveRecord[]>();
  readonly notices: Array<{ trialId: string; participantId: string; role: Role; sinceSeq: number }> = [];
  readonly receipts = new Map<string, StoredReceipt>();

  create(events: TrialEvent[], status: TrialStatus = 'active', owed: OwedMoveRecord[] = []): void {
    const first = events[0];
    if (first?.type !== 'TrialCreated') throw new Error('a trial starts with TrialCreated');
    if (!this.logs.has(first.trialId)) {
      this.logs.set(first.trialId, structuredClone(events));
      this.status.set(first.trialId, status);
      this.owed.set(first.trialId, owed);
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
    if (input.receipt && this.receipts.has(input.receipt.key)) throw new DuplicateMove(input.receipt.key);
    log.push(...structuredClone(input.events));
    this.status.set(input.trialId, input.status);
    this.owed.set(input.trialId, input.owed);
    for (const n of input.notify) this.notices.push({ trialId: input.trialId, ...n });
    if (input.judgment) this.judgments.set(input.trialId, input.judgment);
    if (input.receipt)
      this.receipts.set(input.receipt.key, {
        trialId: input.trialId,
        seq: input.expectedSeq,
        events: input.events.length,
        participantId: input.receipt.participantId,
      });
  }

  async receipt(key: string): Promise<StoredReceipt | null> {
    return this.receipts.get(key) ?? null;
  }
}
