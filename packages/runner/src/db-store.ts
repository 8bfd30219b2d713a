import { type Question, type TrialEvent, TrialEventSchema } from '@oversight/core';
import { AppendConflictError, type Database } from '@oversight/db';
import { AppendConflict, type AppendInput, type TrialStore } from './store.ts';

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
          trial: { status: input.status, waitingOn: input.waitingOn },
          ...(input.judgment ? { judgment: input.judgment } : {}),
        });
      } catch (error) {
        if (error instanceof AppendConflictError) throw new AppendConflict(error.message);
        throw error;
      }
    },
  };
}

/** Questions read from the database on first use and kept, for work that is not a planned run. */
export function databaseQuestions(db: Database): (questionId: string) => Promise<Question> {
  const cache = new Map<string, Promise<Question>>();
  return (questionId) => {
    let question = cache.get(questionId);
    if (!question) {
      question = db.questions.list({ ids: [questionId] }).then(([stored]) => {
        if (!stored) throw new Error(`question ${questionId} is missing from the database`);
        const { dataset: _dataset, distractorIndex, ...rest } = stored;
        return { ...rest, ...(distractorIndex === undefined ? {} : { distractorIndex }) };
      });
      cache.set(questionId, question);
    }
    return question;
  };
}
