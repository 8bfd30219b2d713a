import { describe, expect, it } from 'vitest';
import { transcriptOf } from '../src/transcripts.ts';

describe('the transcript a stored judgment judged', () => {
  it('is the source trial of a re-judged trial, the live room of an NYU offline judgment, else none', () => {
    expect(transcriptOf('nyu-2023.ai-judge.gpt-4o', 'nyu-2023.room-1.7+ai-judge-gpt-4o')).toBe(
      'nyu-2023.room-1.7',
    );
    expect(transcriptOf('nyu-2023-offline', 'nyu-2023-offline.room.12.ada-lovelace')).toBe(
      'nyu-2023.room.12',
    );
    expect(transcriptOf('nyu-2023', 'nyu-2023.room.12')).toBeNull();
    expect(transcriptOf('demo', 'demo-t0001')).toBeNull();
  });
});
