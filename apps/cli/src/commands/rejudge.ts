import {
  ExperimentConfigSchema,
  LlmConfigSchema,
  LlmSpecSchema,
  type TrialEvent,
  TrialEventSchema,
} from '@oversight/core';
import { AppendConflictError, type Database } from '@oversight/db';
import { databaseLlmStore, defaultJudgeId, rejudgeTrials } from '@oversight/llm';
import { configHash, databaseQuestions } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';

async function* finishedLogs(
  db: Database,
  experimentId: string,
  arms: Set<string> | null,
): AsyncGenerator<TrialEvent[]> {
  let afterId: string | undefined;
  for (;;) {
    const page = await db.trials.list(experimentId, {
      status: ['finished'],
      limit: 200,
      ...(afterId ? { afterId } : {}),
    });
    if (page.length === 0) return;
    const wanted = page.filter((t) => !arms || arms.has(t.arm));
    const logs = await db.events.loadMany(wanted.map((t) => t.id));
    for (const trial of wanted)
      yield (logs.get(trial.id) ?? []).map((e) => TrialEventSchema.parse(e.payload));
    afterId = page.at(-1)!.id;
  }
}

/**
 * An AI judge re-judges finished trials (e.g. the NYU human debates) from their transcripts. The
 * new judgments go into their own experiment, arms suffixed "+ai-judge", so that
 * `oversight analyze <source> <target>` compares human and AI judges on the same debates.
 */
export const rejudgeCommand: Command = {
  name: 'rejudge',
  usage:
    'rejudge <experiment> --model M [--endpoint URL [--api-key-env VAR] | --endpoint-name NAME] [--both-orders] [--arms a,b] [--into ID]',
  summary: 'an AI judge re-judges finished trials from their transcripts, stored as a new experiment',
  options: {
    ...DATA_DIR_OPTION,
    model: { type: 'string' },
    endpoint: { type: 'string' },
    'endpoint-name': { type: 'string' },
    'api-key-env': { type: 'string' },
    'both-orders': { type: 'boolean' },
    arms: { type: 'string' },
    into: { type: 'string' },
    concurrency: { type: 'string' },
  },
  async run(input) {
    const [sourceId] = input.positionals;
    const model = stringOption(input, 'model');
    if (!sourceId || !model) throw new UsageError(`usage: oversight ${rejudgeCommand.usage}`);
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const source = await db.experiments.get(sourceId);
      if (!source) throw new UsageError(`no experiment "${sourceId}" in ${db.location}`);
      const sourceConfig = ExperimentConfigSchema.parse(source.config);
      const url = stringOption(input, 'endpoint');
      const endpointName = url ? 'rejudge' : (stringOption(input, 'endpoint-name') ?? 'default');
      const llmConfig = LlmConfigSchema.parse({
        ...sourceConfig.llm,
        endpoints: {
          ...sourceConfig.llm.endpoints,
          ...(url
            ? { rejudge: { baseURL: url, apiKeyEnv: stringOption(input, 'api-key-env') ?? 'OPENAI_API_KEY' } }
            : {}),
        },
      });
      const judgeSpec = LlmSpecSchema.parse({
        kind: 'llm',
        model,
        endpoint: endpointName,
        bothOrders: input.values['both-orders'] === true,
      });
      const judgeId = defaultJudgeId(judgeSpec);
      const targetId = stringOption(input, 'into') ?? `${sourceId}.${judgeId}`;
      const targetConfig = {
        ...sourceConfig,
        name: targetId,
        description: `AI judge ${model} re-judging the finished trials of ${sourceId} from their transcripts`,
        judges: [{ name: 'ai-judges', ids: [judgeId], participant: judgeSpec }],
        arms: sourceConfig.arms.map(({ judgePools: _pools, ...arm }) => arm),
        llm: llmConfig,
      };
      await db.experiments.ensure({
        id: targetId,
        name: targetId,
        seed: sourceConfig.seed,
        config: targetConfig as unknown as Record<string, unknown>,
        configHash: configHash(ExperimentConfigSchema.parse(targetConfig)),
      });
      await db.participants.upsertMany(targetId, [
        {
          id: judgeId,
          kind: 'llm',
          label: `${judgeId} [model ${model}]`,
          spec: judgeSpec as unknown as Record<string, unknown>,
        },
      ]);

      const armList = stringOption(input, 'arms');
      let stored = 0;
      let ordinal = 0;
      const pending: Array<Promise<void>> = [];
      const summary = await rejudgeTrials({
        store: databaseLlmStore(db),
        llmConfig,
        judgeSpec,
        judgeId,
        experimentId: targetId,
        reward: sourceConfig.reward,
        trials: finishedLogs(db, sourceId, armList ? new Set(armList.split(',')) : null),
        questions: databaseQuestions(db),
        ...(stringOption(input, 'concurrency')
          ? { concurrency: Number(stringOption(input, 'concurrency')) }
          : {}),
        onResult: (result) => {
          const [created, ...rest] = result.events;
          if (created?.type !== 'TrialCreated') return;
          const moved = { ...created, experimentId: targetId };
          pending.push(
            (async () => {
              await db.trials.createMany([
                {
                  id: result.trialId,
                  experimentId: targetId,
                  arm: moved.arm,
                  protocol: moved.rules.protocol,
                  questionId: moved.questionId,
                  judgeId,
                  ordinal: ordinal++,
                  status: 'active',
                  waitingOn: null,
                  created: moved,
                },
              ]);
              try {
                await db.events.append({
                  trialId: result.trialId,
                  expectedSeq: 1,
                  events: rest,
                  trial: { status: 'finished', waitingOn: null },
                  judgment: { ...result.judgment, experimentId: targetId },
                });
                stored += 1;
              } catch (error) {
                // Re-judged before: the stored verdict stands.
                if (!(error instanceof AppendConflictError)) throw error;
              }
            })(),
          );
        },
      });
      await Promise.all(pending);
      console.log(
        `${targetId}: ${stored} new AI judgments (${summary.results.length} judged, ${summary.skipped.length} skipped as unfinished, ${summary.failed.length} failed)`,
      );
      for (const f of summary.failed.slice(0, 10)) console.log(`  failed ${f.trialId}: ${f.reason}`);
      console.log(`compare human and AI judges with  pnpm oversight analyze ${sourceId} ${targetId}`);
      return summary.failed.length > 0 && summary.results.length === 0 ? 1 : 0;
    });
  },
};
