import {
  apiKeyEnvProblem,
  ExperimentConfigSchema,
  foldEvents,
  LlmConfigSchema,
  LlmSpecSchema,
  parseStoredConfig,
  type TrialEvent,
  TrialEventSchema,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import { databaseLlmStore, defaultJudgeId, rejudgeTrials } from '@oversight/llm';
import {
  AppendConflict,
  appendFor,
  configHash,
  databaseQuestions,
  databaseTrialStore,
  trialInput,
} from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { checkModelEndpoints, probeModelEndpoints } from '../preflight.ts';
import { startProgress } from '../progress.ts';
import { didYouMean, listSome } from '../suggest.ts';
import { experimentOrExplain } from './db.ts';

/** The event logs of the source's finished trials (in the chosen arms), noting each one's dataset. */
async function* finishedLogs(
  db: Database,
  experimentId: string,
  arms: Set<string> | null,
  datasets: Map<string, string>,
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
    for (const trial of wanted) {
      datasets.set(trial.id, trial.dataset);
      yield (logs.get(trial.id) ?? []).map((e) => TrialEventSchema.parse(e.payload));
    }
    afterId = page.at(-1)!.id;
  }
}

/** The source's arms to re-judge: all, or those named, each checked against what the source has. */
async function chosenArms(
  db: Database,
  sourceId: string,
  list: string | undefined,
): Promise<Set<string> | null> {
  if (list === undefined) return null;
  const known = Object.keys(await db.trials.countByArm(sourceId));
  const names = list
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (names.length === 0) throw new UsageError('--arms needs arm names, separated by commas');
  for (const name of names) {
    if (!known.includes(name))
      throw new UsageError(
        `--arms: experiment "${sourceId}" has no arm "${name}"${didYouMean(name, known)}; its arms are: ${listSome(known)}`,
      );
  }
  return new Set(names);
}

async function countFinished(db: Database, experimentId: string, arms: Set<string> | null): Promise<number> {
  if (!arms) return (await db.trials.countByStatus(experimentId)).finished ?? 0;
  let count = 0;
  for (let afterId: string | undefined; ; ) {
    const page = await db.trials.list(experimentId, {
      status: ['finished'],
      limit: 5000,
      ...(afterId ? { afterId } : {}),
    });
    count += page.filter((t) => arms.has(t.arm)).length;
    if (page.length < 5000) return count;
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
    model: {
      type: 'string',
      valueName: 'M',
      description: 'the judge model, as the endpoint names it (required)',
    },
    endpoint: {
      type: 'string',
      valueName: 'URL',
      description: 'base URL of an OpenAI-compatible API',
      defaultText: 'the endpoint named by --endpoint-name',
    },
    'endpoint-name': {
      type: 'string',
      valueName: 'NAME',
      description: "an endpoint of the source experiment's config (llm.endpoints)",
      default: 'default',
    },
    'api-key-env': {
      type: 'string',
      valueName: 'VAR',
      description: 'with --endpoint: the environment variable holding its API key',
      default: 'OPENAI_API_KEY',
    },
    'both-orders': {
      type: 'boolean',
      description: 'also judge with the answers swapped, to measure position bias',
    },
    arms: {
      type: 'string',
      valueName: 'a,b',
      description: 'only these arms of the source',
      defaultText: 'all arms',
    },
    into: {
      type: 'string',
      valueName: 'ID',
      description: 'id of the experiment the judgments go into',
      defaultText: '<experiment>.ai-judge.<model>',
    },
    concurrency: { type: 'string', valueName: 'N', description: 'trials judged at once', default: '16' },
  },
  async run(input) {
    const [sourceId] = input.positionals;
    const model = stringOption(input, 'model');
    if (!sourceId)
      throw new UsageError(
        `rejudge needs the experiment to re-judge; usage: oversight ${rejudgeCommand.usage}`,
      );
    if (!model)
      throw new UsageError(
        `rejudge needs --model, the judge model; usage: oversight ${rejudgeCommand.usage}`,
      );
    const concurrencyText = stringOption(input, 'concurrency');
    const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0))
      throw new UsageError(`--concurrency must be a positive whole number (got "${concurrencyText}")`);
    const apiKeyEnv = stringOption(input, 'api-key-env') ?? 'OPENAI_API_KEY';
    const keyProblem = apiKeyEnvProblem(apiKeyEnv);
    if (keyProblem) throw new UsageError(`--api-key-env ${keyProblem}`);
    const into = stringOption(input, 'into');
    if (into !== undefined && !/^[a-z0-9][a-z0-9._-]*$/.test(into))
      throw new UsageError(
        `--into "${into}": use lower-case letters, digits, ".", "_" or "-" (it becomes part of ids)`,
      );
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      // Everything is checked before the first write: no empty experiment is left behind.
      const source = await experimentOrExplain(db, sourceId);
      const sourceConfig = parseStoredConfig(source.config);
      const arms = await chosenArms(db, sourceId, stringOption(input, 'arms'));
      const url = stringOption(input, 'endpoint');
      const endpointName = url ? 'rejudge' : (stringOption(input, 'endpoint-name') ?? 'default');
      const llmConfig = LlmConfigSchema.parse({
        ...sourceConfig.llm,
        endpoints: {
          ...sourceConfig.llm.endpoints,
          ...(url ? { rejudge: { baseURL: url, apiKeyEnv } } : {}),
        },
      });
      const defined = Object.keys(llmConfig.endpoints);
      if (!url && endpointName !== 'default' && !defined.includes(endpointName))
        throw new UsageError(
          `--endpoint-name ${endpointName}: experiment "${sourceId}" defines no such endpoint${didYouMean(endpointName, defined)} ` +
            `(it defines: ${listSome(defined)}); or give the judge's API with --endpoint URL`,
        );
      const uses = [{ field: url ? '--endpoint' : '--endpoint-name', endpoint: endpointName, model }];
      try {
        checkModelEndpoints(llmConfig, uses, `experiment "${sourceId}"`);
      } catch (error) {
        // The key's variable comes from an option here, not from a config.
        if (url && /needs an API key/.test((error as Error).message))
          throw new UsageError(
            `--endpoint ${url} needs an API key: set the environment variable ${apiKeyEnv}, or name the one that holds it with --api-key-env VAR`,
          );
        throw error;
      }
      // One request before any trial is read: a server that is down is said now, not after every trial's retries.
      await probeModelEndpoints(llmConfig, uses, `rejudge ${sourceId}`, {
        baseUrlField: url
          ? '--endpoint'
          : `llm.endpoints.${endpointName}.baseURL of "${sourceId}", or give --endpoint URL`,
      });
      const total = await countFinished(db, sourceId, arms);
      if (total === 0)
        throw new UsageError(
          `experiment "${sourceId}" has no finished trials${arms ? ` in ${[...arms].join(', ')}` : ''} to re-judge; nothing was written`,
        );
      const judgeSpec = LlmSpecSchema.parse({
        kind: 'llm',
        model,
        endpoint: endpointName,
        bothOrders: input.values['both-orders'] === true,
      });
      const judgeId = defaultJudgeId(judgeSpec);
      const targetId = into ?? `${sourceId}.${judgeId}`;
      const targetConfig = {
        ...sourceConfig,
        name: targetId,
        description: `AI judge ${model} re-judging the finished trials of ${sourceId} from their transcripts`,
        judges: [{ name: 'ai-judges', ids: [judgeId], participant: judgeSpec }],
        arms: sourceConfig.arms.map(({ judgePools: _pools, ...arm }) => arm),
        llm: llmConfig,
      };
      const parsedTarget = ExperimentConfigSchema.parse(targetConfig);
      // The target experiment is created with the first judgment, so a run in which every call
      // fails leaves no empty experiment behind; a changed target config is refused up front.
      const existing = await db.experiments.get(targetId);
      if (existing && existing.configHash !== configHash(parsedTarget))
        throw new UsageError(
          `experiment "${targetId}" exists with another judge set-up; choose another id with --into, or delete it (oversight db drop-experiment ${targetId})`,
        );
      let target: Promise<void> | undefined;
      const ensureTarget = () =>
        (target ??= (async () => {
          await db.experiments.ensure({
            id: targetId,
            name: targetId,
            seed: sourceConfig.seed,
            config: targetConfig as unknown as Record<string, unknown>,
            configHash: configHash(parsedTarget),
          });
          await db.participants.upsertMany(targetId, [
            {
              id: judgeId,
              kind: 'llm',
              label: `${judgeId} [model ${model}]`,
              spec: judgeSpec as unknown as Record<string, unknown>,
            },
          ]);
        })());

      // The arguers keep their kinds in the new experiment (the analysis says whether they were people,
      // models or simulated from its participants): each arguer of a re-judged trial is copied from the
      // source, without a person's platform identity, before that trial is stored.
      const sourceParticipants = new Map((await db.participants.list(sourceId)).map((p) => [p.id, p]));
      const copied = new Set<string>([judgeId]);
      const copyArguers = async (events: readonly TrialEvent[]) => {
        const ids = new Set<string>();
        for (const e of events) {
          if (e.type === 'TrialCreated')
            for (const a of e.arguers) if (a.participantId) ids.add(a.participantId);
          if (e.type === 'ParticipantAssigned' && e.role !== 'judge' && e.participantId)
            ids.add(e.participantId);
        }
        const rows = [...ids].flatMap((id) => {
          const p = sourceParticipants.get(id);
          if (!p || copied.has(id)) return [];
          copied.add(id);
          return [{ id, kind: p.kind, label: p.label, spec: p.spec }];
        });
        if (rows.length > 0) await db.participants.upsertMany(targetId, rows);
      };

      let stored = 0;
      let ordinal = 0;
      const pending: Array<Promise<void>> = [];
      const datasets = new Map<string, string>();
      const store = databaseTrialStore(db);
      const automatic = () => false;
      const progress = startProgress(`re-judging ${sourceId}`, total);
      let summary: Awaited<ReturnType<typeof rejudgeTrials>>;
      try {
        summary = await rejudgeTrials({
          store: databaseLlmStore(db),
          llmConfig,
          judgeSpec,
          judgeId,
          experimentId: targetId,
          reward: sourceConfig.reward,
          trials: finishedLogs(db, sourceId, arms, datasets),
          questions: databaseQuestions(db),
          ...(concurrency ? { concurrency } : {}),
          onResult: (result) => {
            progress.tick();
            const [created, ...rest] = result.events;
            if (created?.type !== 'TrialCreated') return;
            const moved = { ...created, experimentId: targetId };
            const dataset = created.dataset ?? datasets.get(result.sourceTrialId) ?? sourceId;
            pending.push(
              (async () => {
                await ensureTarget();
                await copyArguers(result.events);
                await db.trials.createMany([trialInput(moved, ordinal++, dataset, automatic)]);
                const { input } = appendFor(foldEvents([moved]), rest, {
                  isPerson: automatic,
                  reward: sourceConfig.reward,
                });
                try {
                  await store.append(input);
                  stored += 1;
                } catch (error) {
                  // Re-judged before: the stored verdict stands.
                  if (!(error instanceof AppendConflict)) throw error;
                }
              })(),
            );
          },
        });
      } finally {
        progress.stop();
      }
      await Promise.all(pending);
      for (const f of summary.failed.slice(0, 10)) console.log(`  failed ${f.trialId}: ${f.reason}`);
      if (summary.results.length === 0)
        throw new UsageError(
          `the AI judge could not judge any of the ${summary.failed.length} trials (the first reason is above); ` +
            `nothing was stored. Check --model and the endpoint, then run again`,
        );
      console.log(
        `${targetId}: ${stored} new AI judgments (${summary.results.length} judged, ${summary.skipped.length} skipped as unfinished, ${summary.failed.length} failed)`,
      );
      console.log(`compare human and AI judges with  oversight analyze ${sourceId} ${targetId}`);
      return 0;
    });
  },
};
