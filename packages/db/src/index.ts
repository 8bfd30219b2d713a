export { type DataFolder, resolveDataFolder, workspaceRoot } from './data-folder.ts';
export { type EmbeddedHost, hostEmbedded } from './embedded-host.ts';
export {
  AppendConflictError,
  DatabaseHostGoneError,
  DatabaseLockedError,
  DatabaseUnreachableError,
  DataFolderPermissionError,
  DatasetConflictError,
  DuplicateMoveError,
  ExperimentConfigChangedError,
  type LockHolder,
  TrialIdClashError,
} from './errors.ts';
export { Prisma, PrismaClient } from './generated/prisma/client.ts';
export { applyMigrations } from './migrate/apply.ts';
export { migrationsDir, schemaPath } from './migrate/migrations.ts';
export {
  type Database,
  LIGHT_START,
  type OpenDatabaseOptions,
  openDatabase,
  redact,
  resolveDataDir,
} from './open.ts';
export type { PersonJudgedRow, PlanCellRow } from './repositories/audit.ts';
export type { ChatThreadInput, ChatThreadRow } from './repositories/chat.ts';
export { type AppendOutcome, NOTIFY_CHANNEL } from './repositories/events.ts';
export type * from './repositories/index.ts';
export type { QuestionsAskedRow } from './repositories/judgments.ts';
export type { PaymentBatchRow, PaymentInput, PaymentRow } from './repositories/payments.ts';
export type { FeedbackRow, JudgeTurnRow } from './repositories/quality.ts';
export { newTrialRef, type OpenSeatQuery, type TrialListOptions } from './repositories/trials.ts';
export { isTransientDatabaseError } from './transient.ts';
export type * from './types.ts';
