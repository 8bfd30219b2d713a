// Both driver adapters execute migration scripts in ways that are unsafe for migrations:
//  - pglite-prisma-adapter does not await `exec`, so a failing migration is recorded as applied and its
//    error surfaces later as an unhandled rejection;
//  - @prisma/adapter-pg splits the script on every ';' (breaking semicolons inside strings or functions)
//    and runs the pieces one by one, so a failure leaves the migration half-applied.
// We send the whole script in one simple-protocol query instead: PostgreSQL runs a multi-statement
// simple query as one implicit transaction, so a migration applies completely or not at all, and
// records so in the same transaction (repair.ts).
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { markerStatements } from './repair.ts';

type RunScript = (script: string) => Promise<unknown>;

export function withWholeScriptExecution(
  factory: SqlMigrationAwareDriverAdapterFactory,
  run: RunScript,
): SqlMigrationAwareDriverAdapterFactory {
  const patch = (adapter: SqlDriverAdapter, exec: RunScript): SqlDriverAdapter => {
    adapter.executeScript = async (script: string) => {
      try {
        // The marker rides in the same transaction, so a killed migration can be told applied or not.
        await exec(`${script}\n;${markerStatements(script)}`);
      } catch (error) {
        throw toDriverError(error);
      }
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => patch(await factory.connect(), run),
    // The shadow database (only used when diffing against migrations) keeps the adapter's own behaviour.
    connectToShadowDb: () => factory.connectToShadowDb(),
  };
}

interface PgLikeError {
  code: string;
  message: string;
  severity?: string;
  detail?: string;
  column?: string;
  hint?: string;
}

function toDriverError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const e = error as Partial<PgLikeError>;
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return error;
  return new DriverAdapterError({
    kind: 'postgres',
    code: e.code,
    severity: e.severity ?? 'ERROR',
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}
