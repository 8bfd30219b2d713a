-- AlterTable
ALTER TABLE "Trial" ADD COLUMN     "ref" TEXT;
-- (by hand) Existing trials get the handle new ones get: the first 12 characters of base64url(sha256(id)).
UPDATE "Trial" SET "ref" = substr(translate(encode(sha256(convert_to("id", 'UTF8')), 'base64'), '+/', '-_'), 1, 12);

-- CreateTable
CREATE TABLE "ChatThread" (
    "trialId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "workspace" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "thread" TEXT NOT NULL,
    "postedSeq" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatThread_pkey" PRIMARY KEY ("trialId","participantId","platform")
);

-- CreateTable
CREATE TABLE "SlackInstallation" (
    "id" TEXT NOT NULL,
    "installation" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SlackInstallation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChatThread_platform_postedSeq_idx" ON "ChatThread"("platform", "postedSeq");

-- CreateIndex
CREATE UNIQUE INDEX "Trial_ref_key" ON "Trial"("ref");
