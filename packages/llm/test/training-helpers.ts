import { createHash } from 'node:crypto';
import {
  type ArgumentSubmitted,
  type ExperimentConfig,
  foldEvents,
  type Question,
  type TrialCreated,
  type TrialEvent,
} from '@oversight/core';
import type { ChatRequest } from '@oversight/testkit';
import {
  exportTrainingData,
  type TrainingExperiment,
  type TrainingExportOptions,
  type TrainingManifest,
} from '../src/index.ts';
import { isJudge, promptOf } from './helpers.ts';

/** Fixtures shared by the training-data tests: a replier whose outcomes vary, and export helpers. */

const hash32 = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0);

/**
 * A fake model whose speeches vary with the API seed (so trials of one prompt differ), whose judge
 * probabilities vary with what it reads (so some wrong-side arguers win and some lose), and which
 * answers one first speech attempt in six with nothing, so the runner asks again with the reason.
 */
export function varyingReply(request: ChatRequest) {
  const prompt = promptOf(request);
  const seed = Number(request.seed ?? 0);
  if (isJudge(request)) {
    const p = 0.05 + 0.9 * ((hash32(prompt) % 1000) / 1000);
    return {
      rationale: 'weighed the quotes',
      probabilities: [p, 1 - p],
      end: false,
      comment: 'Which line says so?',
    };
  }
  if (
    /Write your (speech|reply) for round/.test(prompt) &&
    !/previous attempt/.test(prompt) &&
    seed % 6 === 0
  )
    return '';
  const story = /<story>([\s\S]*?)<\/story>/.exec(prompt)?.[1] ?? '';
  const sentences = story.split(/(?<=\.)\s+/).filter((s) => s.trim().length > 12);
  const quote = sentences[seed % Math.max(1, sentences.length)]?.trim() ?? '';
  return `Argument ${seed % 997}. <quote>${quote}</quote> This settles it.`;
}

export interface TrialSource {
  logs: ReadonlyMap<string, readonly TrialEvent[]>;
  questions: readonly Question[];
}

/** The finished trials of an in-memory run as the exporter reads them. */
export function memoryExperiment(
  id: string,
  config: ExperimentConfig,
  source: TrialSource,
  participants: ReadonlyMap<string, { kind: string; label: string }> = new Map(),
): TrainingExperiment {
  const byId = new Map(source.questions.map((q) => [q.id, q]));
  return {
    id,
    configHash: `hash-of-${id}`,
    config,
    participants,
    async *trials() {
      for (const trialId of [...source.logs.keys()].sort()) {
        const log = source.logs.get(trialId)!;
        if (!foldEvents(log).verdict) continue;
        yield { log, question: byId.get((log[0] as TrialCreated).questionId)! };
      }
    },
  };
}

export interface Exported {
  lines: string[];
  text: string;
  manifest: TrainingManifest;
}

export async function exportRows(
  experiments: readonly TrainingExperiment[],
  options: Partial<TrainingExportOptions> & Pick<TrainingExportOptions, 'format'>,
): Promise<Exported> {
  const lines: string[] = [];
  const manifest = await exportTrainingData(
    experiments,
    {
      side: 'dishonest',
      minBelief: 0.5,
      split: { seed: 'test-split', fractions: { train: 0.34, validation: 0.33, test: 0.33 } },
      file: 'out.jsonl',
      ...options,
    },
    (line) => {
      lines.push(line);
    },
  );
  return { lines, text: lines.map((l) => `${l}\n`).join(''), manifest };
}

export interface LoggedSpeech {
  trialId: string;
  seq: number;
  event: ArgumentSubmitted;
  honest: boolean;
  /** The judge's final probability on the answer this speech argued for. */
  belief: number;
  arm: string;
  storyId: string;
}

/** Every speech of the finished trials, read straight from the logs (independently of the exporter). */
export function loggedSpeeches(logs: ReadonlyMap<string, readonly TrialEvent[]>): LoggedSpeech[] {
  const out: LoggedSpeech[] = [];
  for (const [trialId, log] of logs) {
    const created = log[0] as TrialCreated;
    const verdict = log.find((e) => e.type === 'VerdictSubmitted');
    if (!verdict) continue;
    log.forEach((event, seq) => {
      if (event.type !== 'ArgumentSubmitted') return;
      const arguer = created.arguers.find((a) => a.role === event.role)!;
      out.push({
        trialId,
        seq,
        event,
        honest: arguer.honest,
        belief: verdict.probabilities[arguer.answer]!,
        arm: created.arm,
        storyId: created.storyId,
      });
    });
  }
  return out;
}

export const key = (x: { trialId: string; seq: number }) => `${x.trialId}#${x.seq}`;
