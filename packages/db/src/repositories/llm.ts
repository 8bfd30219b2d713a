import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { CostSummary, CostTotals, LlmCacheEntry, LlmCallInput } from '../types.ts';
import { json } from './json.ts';

export interface LlmRepository {
  cacheGet(key: string): Promise<LlmCacheEntry | null>;
  /** Stores a response under its request key; a second put of the same key keeps the first. */
  cachePut(entry: { key: string; model: string; request: unknown; response: unknown }): Promise<void>;
  recordCall(call: LlmCallInput): Promise<void>;
  /** Calls, tokens and cost of the experiment per arm (via the call's trial) and in total. */
  costSummary(experimentId: string): Promise<CostSummary>;
}

const zero = (): CostTotals => ({
  calls: 0,
  cachedCalls: 0,
  promptTokens: 0,
  completionTokens: 0,
  costUsd: 0,
});

export function llmRepository(prisma: PrismaClient): LlmRepository {
  return {
    cacheGet(key) {
      return prisma.llmCache.findUnique({ where: { key } });
    },

    async cachePut({ key, model, request, response }) {
      // skipDuplicates: concurrent workers caching the same request must not fail on the key.
      await prisma.llmCache.createMany({
        data: [{ key, model, request: json(request), response: json(response), createdAt: new Date() }],
        skipDuplicates: true,
      });
    },

    async recordCall(call) {
      await prisma.llmCall.create({
        data: {
          id: call.id ?? randomUUID(),
          experimentId: call.experimentId ?? null,
          trialId: call.trialId ?? null,
          role: call.role,
          model: call.model,
          endpoint: call.endpoint,
          promptTokens: call.promptTokens,
          completionTokens: call.completionTokens,
          costUsd: call.costUsd,
          cached: call.cached,
          ok: call.ok,
          error: call.error ?? null,
          createdAt: call.createdAt ?? new Date(),
        },
      });
    },

    async costSummary(experimentId) {
      // Aggregated in SQL (a call log can be large); sums cast to float8/int so no BigInt reaches JS.
      const rows = await prisma.$queryRaw<
        Array<{ arm: string | null } & Record<keyof CostTotals, number>>
      >(Prisma.sql`
        SELECT t."arm" AS arm,
               count(*)::int AS "calls",
               count(*) FILTER (WHERE c."cached")::int AS "cachedCalls",
               coalesce(sum(c."promptTokens"), 0)::float8 AS "promptTokens",
               coalesce(sum(c."completionTokens"), 0)::float8 AS "completionTokens",
               coalesce(sum(c."costUsd"), 0)::float8 AS "costUsd"
        FROM "LlmCall" c LEFT JOIN "Trial" t ON t."id" = c."trialId"
        WHERE c."experimentId" = ${experimentId}
           OR c."trialId" IN (SELECT "id" FROM "Trial" WHERE "experimentId" = ${experimentId})
        GROUP BY t."arm"
        ORDER BY t."arm"`);
      const models = await prisma.$queryRaw<Array<{ model: string }>>(Prisma.sql`
        SELECT DISTINCT c."model" AS model
        FROM "LlmCall" c
        WHERE c."ok" AND NOT c."cached"
          AND (c."experimentId" = ${experimentId}
               OR c."trialId" IN (SELECT "id" FROM "Trial" WHERE "experimentId" = ${experimentId}))
        ORDER BY 1`);
      const summary: CostSummary = {
        byArm: {},
        noTrial: zero(),
        total: zero(),
        paidModels: models.map((m) => m.model),
      };
      for (const { arm, ...totals } of rows) {
        if (arm === null) add(summary.noTrial, totals);
        else summary.byArm[arm] = { ...totals };
        add(summary.total, totals);
      }
      return summary;
    },
  };
}

function add(into: CostTotals, from: CostTotals): void {
  into.calls += from.calls;
  into.cachedCalls += from.cachedCalls;
  into.promptTokens += from.promptTokens;
  into.completionTokens += from.completionTokens;
  into.costUsd += from.costUsd;
}
