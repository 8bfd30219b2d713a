import { isDeepStrictEqual } from 'node:util';
import { DatasetConflictError } from '../errors.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { JsonObject, QuestionInput, StoredQuestion } from '../types.ts';
import { BATCH, chunks, json } from './json.ts';

export interface QuestionsRepository {
  /**
   * Stores a dataset's stories and questions under the dataset's name. Rows already stored with the same
   * content are left as they are; a question or story stored with other content under the same
   * (dataset, id) is refused with DatasetConflictError, naming both sources, before anything is written.
   * `source` says where the questions come from (a file path), for that message.
   */
  upsertMany(
    dataset: string,
    questions: readonly QuestionInput[],
    source?: string,
  ): Promise<{ stories: number; questions: number }>;
  /** The check upsertMany makes first, alone: throws DatasetConflictError, writes nothing. */
  check(dataset: string, questions: readonly QuestionInput[], source?: string): Promise<void>;
  /** Questions with their story text, ordered by id. */
  list(filter?: { dataset?: string; ids?: readonly string[]; limit?: number }): Promise<StoredQuestion[]>;
  /** One question by its key. */
  get(dataset: string, id: string): Promise<StoredQuestion | null>;
  count(dataset?: string): Promise<number>;
  /** The datasets stored, with where each was first read from. */
  datasets(): Promise<Array<{ name: string; source: string; questions: number }>>;
}

type Row = {
  dataset: string;
  id: string;
  storyId: string;
  question: string;
  answers: unknown;
  correctIndex: number;
  distractorIndex: number | null;
  metadata: unknown;
  story: { title: string; text: string };
};

const toStored = (r: Row): StoredQuestion => ({
  id: r.id,
  storyId: r.storyId,
  storyTitle: r.story.title,
  question: r.question,
  answers: r.answers as string[],
  correctIndex: r.correctIndex,
  source: r.story.text,
  ...(r.distractorIndex !== null ? { distractorIndex: r.distractorIndex } : {}),
  metadata: r.metadata as JsonObject,
  dataset: r.dataset,
});

/** What must agree for a question to be "the same" one: everything a judge, an arguer or the truth depends on. */
function content(q: QuestionInput) {
  return {
    storyId: q.storyId,
    question: q.question,
    answers: q.answers,
    correctIndex: q.correctIndex,
    distractorIndex: q.distractorIndex ?? null,
  };
}

export function questionsRepository(prisma: PrismaClient): QuestionsRepository {
  async function storedSource(dataset: string): Promise<string> {
    const row = await prisma.dataset.findUnique({ where: { name: dataset } });
    return row?.source ?? 'an earlier import';
  }

  /** Throws before any write if a stored story or question under these keys has other content. */
  async function checkAgainstStored(dataset: string, questions: readonly QuestionInput[], source: string) {
    for (const batch of chunks(questions, 5_000)) {
      const stored = await prisma.question.findMany({
        where: { dataset, id: { in: batch.map((q) => q.id) } },
        include: { story: true },
      });
      const byId = new Map(stored.map((r) => [r.id, toStored(r as Row)]));
      for (const q of batch) {
        const old = byId.get(q.id);
        if (old && !isDeepStrictEqual(content(old), content(q)))
          throw new DatasetConflictError(dataset, await storedSource(dataset), source, `question "${q.id}"`);
      }
      const storyIds = [...new Set(batch.map((q) => q.storyId))];
      const stories = await prisma.story.findMany({ where: { dataset, id: { in: storyIds } } });
      const storyById = new Map(stories.map((s) => [s.id, s]));
      for (const q of batch) {
        const old = storyById.get(q.storyId);
        if (old && (old.text !== q.source || old.title !== q.storyTitle))
          throw new DatasetConflictError(
            dataset,
            await storedSource(dataset),
            source,
            `story "${q.storyId}"`,
          );
      }
    }
    // Within the new rows themselves: one id, one content.
    const seen = new Map<string, QuestionInput>();
    const texts = new Map<string, string>();
    for (const q of questions) {
      const first = seen.get(q.id);
      if (first && !isDeepStrictEqual(content(first), content(q)))
        throw new DatasetConflictError(dataset, source, source, `question "${q.id}" twice`);
      seen.set(q.id, q);
      const text = texts.get(q.storyId);
      if (text !== undefined && text !== q.source)
        throw new DatasetConflictError(dataset, source, source, `story "${q.storyId}" twice`);
      texts.set(q.storyId, q.source);
    }
  }

  return {
    check(dataset, questions, source = `dataset "${dataset}"`) {
      return checkAgainstStored(dataset, questions, source);
    },

    async upsertMany(dataset, questions, source = `dataset "${dataset}"`) {
      await checkAgainstStored(dataset, questions, source);
      await prisma.dataset.createMany({ data: [{ name: dataset, source }], skipDuplicates: true });
      let stories = 0;
      let inserted = 0;
      for (const batch of chunks(questions, BATCH)) {
        const storyRows = new Map<string, { dataset: string; id: string; title: string; text: string }>();
        for (const q of batch)
          storyRows.set(q.storyId, { dataset, id: q.storyId, title: q.storyTitle, text: q.source });
        const [s, qs] = await prisma.$transaction([
          prisma.story.createMany({ data: [...storyRows.values()], skipDuplicates: true }),
          prisma.question.createMany({
            data: batch.map((q) => ({
              dataset,
              id: q.id,
              storyId: q.storyId,
              question: q.question,
              answers: q.answers,
              correctIndex: q.correctIndex,
              distractorIndex: q.distractorIndex ?? null,
              metadata: json(q.metadata),
            })),
            skipDuplicates: true,
          }),
        ]);
        stories += s.count;
        inserted += qs.count;
      }
      return { stories, questions: inserted };
    },

    async list(filter = {}) {
      const { dataset, ids, limit } = filter;
      const query = async (idChunk?: string[]) =>
        prisma.question.findMany({
          where: {
            ...(dataset !== undefined ? { dataset } : {}),
            ...(idChunk !== undefined ? { id: { in: idChunk } } : {}),
          },
          include: { story: true },
          orderBy: [{ id: 'asc' }, { dataset: 'asc' }],
          ...(limit !== undefined ? { take: limit } : {}),
        });
      // Very long id lists are split to stay under the bind-parameter limit, then merged in id order.
      const rows =
        ids === undefined
          ? await query()
          : (await Promise.all(chunks(ids, 10_000).map((c) => query(c))))
              .flat()
              .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
              .slice(0, limit ?? Number.POSITIVE_INFINITY);
      return rows.map((r) => toStored(r as Row));
    },

    async get(dataset, id) {
      const row = await prisma.question.findUnique({
        where: { dataset_id: { dataset, id } },
        include: { story: true },
      });
      return row ? toStored(row as Row) : null;
    },

    async count(dataset) {
      return dataset !== undefined ? prisma.question.count({ where: { dataset } }) : prisma.question.count();
    },

    async datasets() {
      const [rows, counts] = await Promise.all([
        prisma.dataset.findMany({ orderBy: { name: 'asc' } }),
        prisma.question.groupBy({ by: ['dataset'], _count: { _all: true } }),
      ]);
      const n = new Map(counts.map((c) => [c.dataset, c._count._all]));
      return rows.map((r) => ({ name: r.name, source: r.source, questions: n.get(r.name) ?? 0 }));
    },
  };
}
