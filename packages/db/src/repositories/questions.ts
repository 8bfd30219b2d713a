import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { JsonObject, QuestionInput, StoredQuestion } from '../types.ts';
import { BATCH, chunks, json } from './json.ts';

export interface QuestionsRepository {
  /** Inserts stories (once per storyId) and questions; rows that already exist are left unchanged. */
  upsertMany(
    dataset: string,
    questions: readonly QuestionInput[],
  ): Promise<{ stories: number; questions: number }>;
  /** Questions with their story text, ordered by id. */
  list(filter?: { dataset?: string; ids?: readonly string[]; limit?: number }): Promise<StoredQuestion[]>;
  count(dataset?: string): Promise<number>;
}

export function questionsRepository(prisma: PrismaClient): QuestionsRepository {
  return {
    async upsertMany(dataset, questions) {
      let stories = 0;
      let inserted = 0;
      for (const batch of chunks(questions, BATCH)) {
        const storyRows = new Map<string, Prisma.StoryCreateManyInput>();
        for (const q of batch)
          storyRows.set(q.storyId, { id: q.storyId, title: q.storyTitle, text: q.source });
        const [s, qs] = await prisma.$transaction([
          prisma.story.createMany({ data: [...storyRows.values()], skipDuplicates: true }),
          prisma.question.createMany({
            data: batch.map((q) => ({
              id: q.id,
              storyId: q.storyId,
              dataset,
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
          orderBy: { id: 'asc' },
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
      return rows.map((r) => ({
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
      }));
    },

    async count(dataset) {
      return dataset !== undefined ? prisma.question.count({ where: { dataset } }) : prisma.question.count();
    },
  };
}
