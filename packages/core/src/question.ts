import { z } from 'zod';

/** A multiple-choice question about a hidden source text (a story). */
export const QuestionSchema = z
  .object({
    id: z.string().min(1),
    storyId: z.string().min(1),
    storyTitle: z.string().default(''),
    question: z.string().min(1),
    answers: z.array(z.string().min(1)).min(2, 'a question needs at least two answers'),
    correctIndex: z.number().int().nonnegative(),
    /** The hidden source text: arguers see it, judges do not (except in the oracle baseline). */
    source: z.string().min(1),
    /** Which wrong answer a debater should defend (e.g. QuALITY's best distractor); otherwise chosen by seed. */
    distractorIndex: z.number().int().nonnegative().optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((q, ctx) => {
    if (q.correctIndex >= q.answers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['correctIndex'],
        message: `correctIndex ${q.correctIndex} is out of range: the question has ${q.answers.length} answers (indices start at 0)`,
      });
    }
    if (
      q.distractorIndex !== undefined &&
      (q.distractorIndex >= q.answers.length || q.distractorIndex === q.correctIndex)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['distractorIndex'],
        message:
          'distractorIndex must name a wrong answer (an index other than correctIndex, within answers)',
      });
    }
  });
export type Question = z.infer<typeof QuestionSchema>;
