-- DropForeignKey
ALTER TABLE "Question" DROP CONSTRAINT "Question_storyId_fkey";

-- DropForeignKey
ALTER TABLE "Trial" DROP CONSTRAINT "Trial_questionId_fkey";

-- DropIndex
DROP INDEX "Question_dataset_id_idx";

-- DropIndex
DROP INDEX "Trial_waitingOn_status_idx";

-- AlterTable
ALTER TABLE "Participant" ADD COLUMN     "consentVersion" TEXT,
ADD COLUMN     "consentedAt" TIMESTAMP(3),
ADD COLUMN     "identity" TEXT,
ADD COLUMN     "joinedAt" TIMESTAMP(3),
ADD COLUMN     "leftAt" TIMESTAMP(3),
ADD COLUMN     "pool" TEXT;

-- AlterTable
ALTER TABLE "Question" DROP CONSTRAINT "Question_pkey",
ADD CONSTRAINT "Question_pkey" PRIMARY KEY ("dataset", "id");

-- AlterTable (edited by hand: stories were stored once for all datasets; each dataset that uses one gets its copy)
ALTER TABLE "Story" DROP CONSTRAINT "Story_pkey",
ADD COLUMN     "dataset" TEXT;
INSERT INTO "Story" ("dataset", "id", "title", "text")
  SELECT DISTINCT q."dataset", s."id", s."title", s."text"
  FROM "Question" q JOIN "Story" s ON s."id" = q."storyId" AND s."dataset" IS NULL;
DELETE FROM "Story" WHERE "dataset" IS NULL;
ALTER TABLE "Story" ALTER COLUMN "dataset" SET NOT NULL,
ADD CONSTRAINT "Story_pkey" PRIMARY KEY ("dataset", "id");

-- AlterTable (edited by hand: existing trials take dataset and story from their question)
ALTER TABLE "Trial" ADD COLUMN     "dataset" TEXT,
ADD COLUMN     "leaseOwner" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMP(3),
ADD COLUMN     "storyId" TEXT,
ALTER COLUMN "judgeId" DROP NOT NULL;
UPDATE "Trial" t SET "dataset" = q."dataset", "storyId" = q."storyId" FROM "Question" q WHERE q."id" = t."questionId";
ALTER TABLE "Trial" DROP COLUMN "waitingOn",
ALTER COLUMN "dataset" SET NOT NULL,
ALTER COLUMN "storyId" SET NOT NULL;

-- CreateTable
CREATE TABLE "Dataset" (
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "OwedMove" (
    "trialId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "participantId" TEXT,
    "experimentId" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "storyId" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "sinceSeq" INTEGER NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "human" BOOLEAN NOT NULL,

    CONSTRAINT "OwedMove_pkey" PRIMARY KEY ("trialId","role")
);

-- CreateTable
CREATE TABLE "Seat" (
    "trialId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "storyId" TEXT NOT NULL,
    "assignedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Seat_pkey" PRIMARY KEY ("trialId","role","participantId")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" BIGSERIAL NOT NULL,
    "experimentId" TEXT NOT NULL,
    "trialId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "sinceSeq" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MoveReceipt" (
    "key" TEXT NOT NULL,
    "trialId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "events" INTEGER NOT NULL,
    "participantId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MoveReceipt_pkey" PRIMARY KEY ("key")
);

-- Data (by hand): datasets already stored, and the seats of existing trials. Who owes a move in an
-- unfinished trial is recomputed from its log by the runner (reconcileOwedMoves) when it next opens it.
INSERT INTO "Dataset" ("name", "source") SELECT DISTINCT "dataset", 'stored before sources were recorded' FROM "Question";
INSERT INTO "Seat" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "assignedAt")
  SELECT "id", 'judge', "judgeId", "experimentId", "arm", "storyId", "updatedAt" FROM "Trial" WHERE "judgeId" IS NOT NULL;
INSERT INTO "Seat" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "assignedAt")
  SELECT t."id", a.value->>'role', a.value->>'participantId', t."experimentId", t."arm", t."storyId", t."updatedAt"
  FROM "Trial" t JOIN "TrialEvent" e ON e."trialId" = t."id" AND e."seq" = 0,
       jsonb_array_elements(e."payload"->'arguers') AS a(value)
  WHERE a.value->>'participantId' IS NOT NULL
  ON CONFLICT DO NOTHING;

-- CreateIndex
CREATE INDEX "OwedMove_participantId_experimentId_idx" ON "OwedMove"("participantId", "experimentId");

-- CreateIndex
CREATE INDEX "OwedMove_experimentId_participantId_ordinal_idx" ON "OwedMove"("experimentId", "participantId", "ordinal");

-- CreateIndex
CREATE INDEX "Seat_experimentId_participantId_idx" ON "Seat"("experimentId", "participantId");

-- CreateIndex
CREATE INDEX "Notification_deliveredAt_id_idx" ON "Notification"("deliveredAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_trialId_role_sinceSeq_participantId_kind_key" ON "Notification"("trialId", "role", "sinceSeq", "participantId", "kind");

-- CreateIndex
CREATE INDEX "MoveReceipt_trialId_seq_idx" ON "MoveReceipt"("trialId", "seq");

-- CreateIndex
CREATE INDEX "Judgment_experimentId_judgeId_idx" ON "Judgment"("experimentId", "judgeId");

-- CreateIndex
CREATE UNIQUE INDEX "Participant_experimentId_identity_key" ON "Participant"("experimentId", "identity");

-- CreateIndex
CREATE INDEX "Trial_status_experimentId_leaseUntil_idx" ON "Trial"("status", "experimentId", "leaseUntil");

-- AddForeignKey
ALTER TABLE "Question" ADD CONSTRAINT "Question_dataset_storyId_fkey" FOREIGN KEY ("dataset", "storyId") REFERENCES "Story"("dataset", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trial" ADD CONSTRAINT "Trial_dataset_questionId_fkey" FOREIGN KEY ("dataset", "questionId") REFERENCES "Question"("dataset", "id") ON DELETE RESTRICT ON UPDATE CASCADE;
