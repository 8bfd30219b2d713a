import { type Question, type TrialCreated, type TrialEvent, TrialEventSchema } from '@oversight/core';
import { AppendConflictError, type Database, DuplicateMoveError } from '@oversight/db';
import { AppendConflict, type AppendInput, DuplicateMove, type TrialStore } from './store.ts';

/** The runner's store over the project database (embedded PGlite or a PostgreSQL server). */
export function databaseTrialStore(db: Database): TrialStore {
  return {
    async loadEvents(trialId) {
      const rows = await db.events.load(trialId);
      return rows.map((row) => TrialEventSchema.parse(row.payload) as TrialEvent);
    },
    async append(input: AppendInput) {
      try {
        await db.events.append({
          trialId: input.trialId,
          expectedSeq: input.expectedSeq,
          events: input.events,
          trial: { status: input.status, ...(input.judgeId !== undefined ? { judgeId: input.judgeId } : {}) },
          owed: input.owed,
          seats: input.seats,
          notify: input.notify,
          ...(input.judgment ? { judgment: input.judgment } : {}),
          ...(input.receipt ? { receipt: input.receipt } : {}),
          wake: input.wake,
        });
      } catch (error) {
        if (error instanceof AppendConflictError) throw new AppendConflict(error.message);
        if (error instanceof DuplicateMoveError) throw new DuplicateMove(error.message);
        throw error;
      }
    },
    async receipt(key) {
      return db.events.receipt(key);
    },
  };
}

/**
 * Questions read back from the database exactly as stored, by (dataset, id), on first use and kept.
 * A trial logged before datasets were recorded finds its dataset on its row.
 */
export function databaseQuestions(db: Database): (created: TrialCreated) => Promise<Question> {
  const cache = new Map<string, Promise<Question>>();
  // Questions of one story share one copy of its text: the caches keyed by a source (its sentences, its
  // quote index) then find it by identity instead of comparing tens of kilobytes on every speech.
  const sources = new Map<string, string>();
  return (created) => {
    const key = `${created.dataset ?? ''}\u0000${created.questionId}`;
    let question = cache.get(key);
    if (!question) {
      question = (async () => {
        const dataset = created.dataset ?? (await db.trials.get(created.trialId))?.dataset;
        const stored = dataset === undefined ? null : await db.questions.get(dataset, created.questionId);
        if (!stored)
          throw new Error(
            `question ${created.questionId} (dataset ${dataset ?? 'unknown'}) is missing from the database`,
          );
        const { dataset: _dataset, distractorIndex, ...rest } = stored;
        let source = sources.get(rest.source);
        if (source === undefined) {
          source = rest.source;
          sources.set(source, source);
        }
        return { ...rest, source, ...(distractorIndex === undefined ? {} : { distractorIndex }) };
      })();
      cache.set(key, question);
      question.catch(() => cache.delete(key));
    }
    return question;
  };
}
