import { describe, expect, it } from 'vitest';
import {
  addTurn,
  attentionCheckPassed,
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  emptyJudgeQuality,
  exclusionsOf,
  failedScreenOut,
  type QualityControl,
  turnFlags,
} from '../src/index.ts';

const qc: QualityControl = {
  catchQuestions: ['c1', 'c2', 'c3', 'c4'],
  attentionChecks: [{ question: 'read', expected: 'purple' }],
  turns: { minSeconds: 20, maxHiddenShare: 0.5, maxPastedCharacters: 40 },
  exclude: {
    catchAccuracy: { below: 0.75, minTrials: 3 },
    attentionChecks: { maxFailed: 0 },
    flaggedTurns: { above: 0.25, minTurns: 4 },
  },
};

describe('turn rules', () => {
  it('flags a turn too fast, mostly hidden, or with too much pasted, each on its own', () => {
    expect(turnFlags(qc.turns, { turnSeconds: 60, hiddenSeconds: 10, pastedCharacters: 0 })).toEqual({
      fast: false,
      hidden: false,
      pasted: false,
    });
    expect(turnFlags(qc.turns, { turnSeconds: 19.9, hiddenSeconds: 0, pastedCharacters: 0 }).fast).toBe(true);
    expect(turnFlags(qc.turns, { turnSeconds: 20, hiddenSeconds: 0, pastedCharacters: 0 }).fast).toBe(false);
    expect(turnFlags(qc.turns, { turnSeconds: 60, hiddenSeconds: 31, pastedCharacters: 0 }).hidden).toBe(
      true,
    );
    expect(turnFlags(qc.turns, { turnSeconds: 60, hiddenSeconds: 30, pastedCharacters: 0 }).hidden).toBe(
      false,
    );
    expect(turnFlags(qc.turns, { turnSeconds: 60, hiddenSeconds: 0, pastedCharacters: 41 }).pasted).toBe(
      true,
    );
    expect(turnFlags(qc.turns, { turnSeconds: 0, hiddenSeconds: 0, pastedCharacters: 0 })).toEqual({
      fast: true,
      hidden: false,
      pasted: false,
    });
  });

  it('flags nothing the config does not set', () => {
    expect(turnFlags({}, { turnSeconds: 0, hiddenSeconds: 0, pastedCharacters: 10_000 })).toEqual({
      fast: false,
      hidden: false,
      pasted: false,
    });
  });
});

describe('attention checks', () => {
  it('compares text ignoring case and spacing, numbers as numbers', () => {
    expect(attentionCheckPassed({ question: 'x', expected: 'purple' }, '  Purple ')).toBe(true);
    expect(attentionCheckPassed({ question: 'x', expected: 'dark purple' }, 'dark   purple')).toBe(true);
    expect(attentionCheckPassed({ question: 'x', expected: 'purple' }, 'violet')).toBe(false);
    expect(attentionCheckPassed({ question: 'x', expected: 3 }, 3)).toBe(true);
    expect(attentionCheckPassed({ question: 'x', expected: 3 }, '3')).toBe(true);
    expect(attentionCheckPassed({ question: 'x', expected: 3 }, 4)).toBe(false);
  });

  it('screens out on a wrong answer to a screen-out check only', () => {
    const checks = [
      { question: 'read', expected: 'purple' },
      { question: 'sky', expected: 'blue', screenOut: true },
    ];
    // A wrong answer to a check that only counts toward exclusion does not screen out.
    expect(failedScreenOut(checks, [{ read: 'violet', sky: 'Blue' }])).toBeNull();
    expect(failedScreenOut(checks, [{ read: 'purple' }, { sky: ' green ' }])).toEqual(checks[1]);
    // Unanswered (the survey not reached yet), or no screen-out check at all: nothing.
    expect(failedScreenOut(checks, [{ clear: 4 }])).toBeNull();
    expect(failedScreenOut([checks[0]!], [{ read: 'violet' }])).toBeNull();
    expect(failedScreenOut(undefined, [{ sky: 'green' }])).toBeNull();
  });
});

describe('exclusion rules', () => {
  it('excludes by catch accuracy only once the judge has the minimum of catch trials', () => {
    const q = emptyJudgeQuality('j1');
    q.catchTrials = { n: 2, correct: 0 };
    expect(exclusionsOf(qc, q)).toEqual([]);
    q.catchTrials = { n: 3, correct: 2 };
    const [e] = exclusionsOf(qc, q);
    expect(e).toMatchObject({ judgeId: 'j1', rule: 'catchAccuracy' });
    expect(e!.figures).toBe('2 of 3 catch trials correct (66.7%; rule: below 75% over at least 3)');
    q.catchTrials = { n: 4, correct: 3 };
    expect(exclusionsOf(qc, q)).toEqual([]);
  });

  it('excludes by failed attention checks above the allowance', () => {
    const q = emptyJudgeQuality('j2');
    q.attentionChecks = { answered: 3, failed: 1 };
    expect(exclusionsOf(qc, q).map((e) => e.figures)).toEqual([
      '1 of 3 attention checks failed (rule: more than 0)',
    ]);
    expect(exclusionsOf({ ...qc, exclude: { attentionChecks: { maxFailed: 1 } } }, q)).toEqual([]);
  });

  it('excludes by the share of flagged turns, with each flag counted', () => {
    const q = emptyJudgeQuality('j3');
    addTurn(q, qc.turns, { turnSeconds: 5, hiddenSeconds: 0, pastedCharacters: 0 });
    addTurn(q, qc.turns, { turnSeconds: 60, hiddenSeconds: 50, pastedCharacters: 100 });
    addTurn(q, qc.turns, { turnSeconds: 60, hiddenSeconds: 0, pastedCharacters: 0 });
    // Three measured turns: fewer than minTurns, so not yet excluded whatever the share.
    expect(exclusionsOf(qc, q)).toEqual([]);
    addTurn(q, qc.turns, { turnSeconds: 60, hiddenSeconds: 0, pastedCharacters: 0 });
    expect(q.turns).toEqual({ measured: 4, flagged: 2, fast: 1, hidden: 1, pasted: 1 });
    expect(exclusionsOf(qc, q).map((e) => e.figures)).toEqual([
      '2 of 4 turns flagged (50%: 1 too fast, 1 hidden, 1 pasted; rule: above 25% over at least 4)',
    ]);
  });

  it('reports every rule a judge breaks, and none without exclusion rules', () => {
    const q = emptyJudgeQuality('j4');
    q.catchTrials = { n: 4, correct: 0 };
    q.attentionChecks = { answered: 1, failed: 1 };
    expect(exclusionsOf(qc, q).map((e) => e.rule)).toEqual(['catchAccuracy', 'attentionChecks']);
    expect(exclusionsOf({ ...qc, exclude: undefined }, q)).toEqual([]);
  });
});

describe('quality control in the config', () => {
  const base: ExperimentConfigInput = {
    name: 'qc',
    seed: 'qc',
    judges: [{ name: 'people', participant: { kind: 'human' } }],
    arms: [{ name: 'debate', protocol: 'debate' }],
    survey: [
      { id: 'read', question: 'Type the colour named in the instructions.', kind: 'text' },
      { id: 'scale', question: 'To show you read this, choose 2.' },
      { id: 'pick', question: 'Pick "blue".', kind: 'choice', options: ['red', 'blue'] },
    ],
  };
  const issues = (qualityControl: unknown, extra: Record<string, unknown> = {}) => {
    const parsed = ExperimentConfigSchema.safeParse({ ...base, ...extra, qualityControl });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes a complete section', () => {
    expect(
      issues({
        catchQuestions: ['c1', 'c2'],
        attentionChecks: [
          { question: 'read', expected: 'purple' },
          { question: 'scale', expected: 2 },
          { question: 'pick', expected: 'blue' },
        ],
        turns: { minSeconds: 10 },
        exclude: { catchAccuracy: { below: 0.5, minTrials: 2 }, flaggedTurns: { above: 0.5, minTurns: 3 } },
      }),
    ).toEqual([]);
  });

  it('names the field and the fix for each mistake', () => {
    expect(issues({ attentionChecks: [{ question: 'nope', expected: 'x' }] })).toEqual([
      'qualityControl.attentionChecks.0.question: no survey question "nope"; add it under "survey" or name one of: read, scale, pick',
    ]);
    expect(issues({ attentionChecks: [{ question: 'scale', expected: 7 }] })[0]).toMatch(
      /^qualityControl.attentionChecks.0.expected: "scale" is a scale question \(1 to 5\)/,
    );
    expect(issues({ attentionChecks: [{ question: 'pick', expected: 'green' }] })[0]).toMatch(
      /one of its options \(red, blue\)/,
    );
    expect(issues({ exclude: { catchAccuracy: { below: 0.5, minTrials: 1 } } })).toEqual([
      'qualityControl.exclude.catchAccuracy: this rule reads catch trials: list their question ids in qualityControl.catchQuestions',
    ]);
    expect(
      issues({ catchQuestions: ['c1'], exclude: { catchAccuracy: { below: 0.5, minTrials: 2 } } })[0],
    ).toMatch(
      /^qualityControl.exclude.catchAccuracy.minTrials: a judge sees each story once, so at most 1 catch trial/,
    );
    expect(issues({ exclude: { attentionChecks: { maxFailed: 0 } } })[0]).toMatch(
      /^qualityControl.exclude.attentionChecks: this rule reads attention checks/,
    );
    expect(issues({ exclude: { flaggedTurns: { above: 0.2, minTurns: 2 } } })[0]).toMatch(
      /^qualityControl.exclude.flaggedTurns: this rule counts turns flagged by qualityControl.turns/,
    );
    expect(issues({ catchQuestions: ['c9'] }, { questions: { ids: ['c1', 'q2'] } })).toEqual([
      'qualityControl.catchQuestions.0: "c9" is not among questions.ids, so no trial would be a catch trial; add it to questions.ids',
    ]);
    expect(issues({ turns: { maxHiddenShare: 1.5 } })[0]).toMatch(/^qualityControl.turns.maxHiddenShare/);
  });
});
