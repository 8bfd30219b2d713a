import { describe, expect, it } from 'vitest';
import { labelOfSpec } from '../src/commands/analyze.ts';

describe('who argued, as reports and exports label it', () => {
  const spec = {
    kind: 'llm',
    model: 'debater-large',
    induction: { method: 'model', model: 'liar-ft', endpoint: 'trained' },
  };

  it('names the separately trained model on the wrong side, the prompted one on the right side', () => {
    expect(labelOfSpec('llm', spec, 'dishonest')).toEqual({ kind: 'model', model: 'liar-ft' });
    expect(labelOfSpec('llm', spec, 'honest')).toEqual({ kind: 'model', model: 'debater-large' });
  });

  it('keeps the arguer’s own model for other inductions, and labels people and simulations', () => {
    const bestOfN = { ...spec, induction: { method: 'best-of-n', n: 4 } };
    expect(labelOfSpec('llm', bestOfN, 'dishonest')).toEqual({ kind: 'model', model: 'debater-large' });
    expect(labelOfSpec('human', {}, 'dishonest')).toEqual({ kind: 'person', model: null });
    expect(labelOfSpec('simulated-arguer', {}, 'dishonest')).toEqual({ kind: 'simulated', model: null });
  });
});
