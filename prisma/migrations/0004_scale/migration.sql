-- DropForeignKey
ALTER TABLE "TrialEvent" DROP CONSTRAINT "TrialEvent_trialId_fkey";

-- DropIndex
DROP INDEX "Trial_status_experimentId_leaseUntil_idx";

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "plannedTrials" INTEGER;

-- CreateIndex
CREATE INDEX "Trial_status_experimentId_ordinal_idx" ON "Trial"("status", "experimentId", "ordinal");

-- (by hand) Room on every page of Trial for the row's next version, so that claiming, renewing and most
-- appends (which change no indexed column) are HOT updates that touch no index. Applies to pages written
-- from now on; Prisma's schema does not describe storage parameters, so later diffs leave it alone.
ALTER TABLE "Trial" SET (fillfactor = 80);
