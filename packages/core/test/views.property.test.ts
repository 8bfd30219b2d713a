import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  anyTimeInterjectionRefusal,
  applyEvent,
  applyMove,
  arguerView,
  foldEvents,
  judgeView,
  type Move,
  nextTurn,
  PROTOCOL_KINDS,
  type Question,
  type TrialCreated,
  type TrialState,
} from '../src/index.ts';
import { created, question, rules, story } from './fixtures.ts';

/**
 * Information hiding, tested once for every protocol: over random trials, at every step before
 * the verdict, the judge's view is the same whichever answer is correct (so it cannot reveal the
 * correct answer or who was assigned it), and it holds no source text beyond what arguers quoted.
 */

const sentences = story.split(/(?<=\.)\s+/);

/** Trial ids as the planner makes them: experiment.arm.question.k. */
const trialIds = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.nat(50))
  .map(([e, a, k]) => `${e}.${a}.q${k}.${k % 4}`);

const moveChoice = fc.record({
  quoteSentence: fc.integer({ min: 0, max: sentences.length - 1 }),
  quoteKind: fc.constantFrom('exact', 'invented', 'none'),
  comment: fc.boolean(),
  end: fc.boolean(),
  p: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** The twin: the other answer correct, and another trial id and seed (a judge's view names neither). */
function flipped(
  c: TrialCreated,
  q: Question,
  twin: { trialId: string; seed: string },
): { created: TrialCreated; question: Question } {
  const correctDisplayed = 1 - c.correctDisplayed;
  return {
    created: {
      ...c,
      ...twin,
      correctDisplayed,
      arguers: c.arguers.map((a) => ({ ...a, honest: a.answer === correctDisplayed })),
    },
    question: { ...q, correctIndex: c.displayed[correctDisplayed]! },
  };
}

interface Choice {
  quoteSentence: number;
  quoteKind: string;
  comment: boolean;
  end: boolean;
  p: number;
}

function moveFor(state: TrialState, choice: Choice): Move | null {
  const turn = nextTurn(state);
  if (!turn) return null;
  // While the arguers write, a judge who may ask at any time sometimes does.
  if (turn.kind === 'speech' && choice.comment && choice.end && anyTimeInterjectionRefusal(state) === null)
    return { type: 'interjection', text: 'Which line of the logbook?' };
  if (turn.kind === 'speech') {
    const quote =
      choice.quoteKind === 'exact'
        ? ` <quote>${sentences[choice.quoteSentence]!.slice(0, 40)}</quote>`
        : choice.quoteKind === 'invented'
          ? ' <quote>a dragon guarded the hatch</quote>'
          : '';
    return { type: 'argument', role: turn.roles[0]!, text: `Round ${turn.round} argument.${quote}` };
  }
  const comment =
    turn.mayComment && (choice.comment || turn.mustComment) ? 'What does the logbook say?' : undefined;
  const end = turn.final || (turn.mayEnd && choice.end && !(turn.mustComment && !comment));
  return {
    type: 'judgement',
    probabilities: [choice.p, 1 - choice.p],
    end,
    ...(comment && !end ? { comment } : {}),
  };
}

describe('judge views hide the truth before the verdict', () => {
  it.each(PROTOCOL_KINDS)('%s', (protocol) => {
    fc.assert(
      fc.property(
        fc.record({
          rounds: fc.integer({ min: 1, max: 4 }),
          speeches: fc.constantFrom('sequential', 'simultaneous'),
          beliefsEachRound: fc.boolean(),
          judgeMayEndEarly: fc.boolean(),
          interjections: fc.constantFrom(undefined, 'any-time' as const),
          correctDisplayed: fc.constantFrom(0, 1),
        }),
        fc.array(moveChoice, { minLength: 1, maxLength: 30 }),
        fc.record({ trialId: trialIds, seed: fc.string({ minLength: 1 }) }),
        fc.record({ trialId: trialIds, seed: fc.string({ minLength: 1 }) }),
        ({ correctDisplayed, interjections, ...ruleChoice }, choices, ids, twinIds) => {
          const anyTime = interjections && ['debate', 'interactive-debate', 'consultancy'].includes(protocol);
          const c = {
            ...created(
              rules({ protocol, ...ruleChoice, quoteLimit: null, ...(anyTime ? { interjections } : {}) }),
              correctDisplayed,
            ),
            ...ids,
          };
          const q: Question = {
            ...question,
            answers: question.answers.slice(0, 2),
            correctIndex: c.displayed[correctDisplayed]!,
          };
          const other = flipped(c, q, twinIds);
          const state = foldEvents([c]);
          const twin = foldEvents([other.created]);
          for (const choice of choices) {
            if (state.verdict || state.aborted) break;
            const view = judgeView(state, q);
            expect(view).toEqual(judgeView(twin, other.question));
            const json = JSON.stringify(view);
            expect(json).not.toMatch(/honest|correctDisplayed|correctIndex|"seed"|trialId/);
            expect(json).not.toContain(`"${c.trialId}"`);
            expect(view.revealed).toBeNull();
            if (protocol !== 'oracle') {
              expect(view.source).toBeNull();
              const quoted = state.arguments.map((a) => a.text).join(' ');
              for (const sentence of sentences) {
                const probe = sentence.slice(10, 50);
                if (json.includes(probe)) expect(quoted).toContain(probe);
              }
            }
            for (const a of c.arguers) {
              // Arguers must be told their own side, and never see the judge's private beliefs.
              const av = arguerView(state, a.role as never, q);
              expect(av.assignedCorrect).toBe(a.honest);
              expect(av.transcript.some((e) => e.kind === 'belief')).toBe(false);
              // A question asked while a round is written reaches no arguer before that round is in.
              const writing = nextTurn(state);
              // (In sandwiching the person writes first and the assistant answers in the same round.)
              if (writing?.kind === 'speech' && protocol !== 'sandwiching')
                expect(
                  av.transcript.some((e) => e.kind === 'interjection' && e.round === writing.round),
                ).toBe(false);
            }
            const move = moveFor(state, choice);
            if (!move) break;
            const result = applyMove(state, move, q.source);
            const twinResult = applyMove(twin, move, q.source);
            expect(result.ok).toBe(true);
            expect(twinResult).toEqual(result);
            if (!result.ok) return;
            for (const e of result.events) {
              applyEvent(state, e);
              applyEvent(twin, structuredClone(e));
            }
          }
          if (state.verdict) {
            const view = judgeView(state, q);
            expect(view.revealed?.correctAnswer).toBe(correctDisplayed);
          }
        },
      ),
      { numRuns: 150, seed: 20261127 },
    );
  });
});
