-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Story" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "Story_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Question" (
    "id" TEXT NOT NULL,
    "storyId" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "answers" JSONB NOT NULL,
    "correctIndex" INTEGER NOT NULL,
    "distractorIndex" INTEGER,
    "metadata" JSONB NOT NULL,

    CONSTRAINT "Question_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Experiment" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "seed" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "configHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Experiment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Participant" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "spec" JSONB NOT NULL,

    CONSTRAINT "Participant_pkey" PRIMARY KEY ("experimentId","id")
);

-- CreateTable
CREATE TABLE "Trial" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "protocol" TEXT NOT NULL,
    "questionId" TEXT NOT NULL,
    "judgeId" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "waitingOn" TEXT,
    "nextSeq" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Trial_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrialEvent" (
    "trialId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrialEvent_pkey" PRIMARY KEY ("trialId","seq")
);

-- CreateTable
CREATE TABLE "Judgment" (
    "trialId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "protocol" TEXT NOT NULL,
    "questionId" TEXT NOT NULL,
    "storyId" TEXT NOT NULL,
    "judgeId" TEXT NOT NULL,
    "arguerHonest" BOOLEAN,
    "induction" TEXT,
    "honestArguerId" TEXT,
    "dishonestArguerId" TEXT,
    "probCorrect" DOUBLE PRECISION NOT NULL,
    "correct" BOOLEAN NOT NULL,
    "rounds" INTEGER NOT NULL,
    "reward" DOUBLE PRECISION NOT NULL,
    "beliefs" JSONB NOT NULL,

    CONSTRAINT "Judgment_pkey" PRIMARY KEY ("trialId")
);

-- CreateTable
CREATE TABLE "LlmCache" (
    "key" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "response" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LlmCache_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "LlmCall" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT,
    "trialId" TEXT,
    "role" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "promptTokens" INTEGER NOT NULL,
    "completionTokens" INTEGER NOT NULL,
    "costUsd" DOUBLE PRECISION NOT NULL,
    "cached" BOOLEAN NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LlmCall_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Question_dataset_id_idx" ON "Question"("dataset", "id");

-- CreateIndex
CREATE INDEX "Trial_experimentId_status_id_idx" ON "Trial"("experimentId", "status", "id");

-- CreateIndex
CREATE INDEX "Trial_experimentId_id_idx" ON "Trial"("experimentId", "id");

-- CreateIndex
CREATE INDEX "Trial_judgeId_status_idx" ON "Trial"("judgeId", "status");

-- CreateIndex
CREATE INDEX "Trial_waitingOn_status_idx" ON "Trial"("waitingOn", "status");

-- CreateIndex
CREATE INDEX "Judgment_experimentId_arm_idx" ON "Judgment"("experimentId", "arm");

-- CreateIndex
CREATE INDEX "Judgment_experimentId_trialId_idx" ON "Judgment"("experimentId", "trialId");

-- CreateIndex
CREATE INDEX "LlmCall_experimentId_idx" ON "LlmCall"("experimentId");

-- CreateIndex
CREATE INDEX "LlmCall_trialId_idx" ON "LlmCall"("trialId");

-- AddForeignKey
ALTER TABLE "Question" ADD CONSTRAINT "Question_storyId_fkey" FOREIGN KEY ("storyId") REFERENCES "Story"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Participant" ADD CONSTRAINT "Participant_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trial" ADD CONSTRAINT "Trial_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trial" ADD CONSTRAINT "Trial_questionId_fkey" FOREIGN KEY ("questionId") REFERENCES "Question"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrialEvent" ADD CONSTRAINT "TrialEvent_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Judgment" ADD CONSTRAINT "Judgment_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
