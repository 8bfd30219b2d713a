-- CreateTable
CREATE TABLE "PaymentBatch" (
    "experimentId" TEXT NOT NULL,
    "batch" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "submitStartedAt" TIMESTAMP(3),
    "submitRef" TEXT,
    "paidAt" TIMESTAMP(3),

    CONSTRAINT "PaymentBatch_pkey" PRIMARY KEY ("experimentId","batch")
);

-- CreateTable
CREATE TABLE "Payment" (
    "experimentId" TEXT NOT NULL,
    "batch" INTEGER NOT NULL,
    "participantId" TEXT NOT NULL,
    "platformId" TEXT NOT NULL,
    "assignmentId" TEXT,
    "amountMinor" INTEGER NOT NULL,
    "points" DOUBLE PRECISION NOT NULL,
    "judgments" INTEGER NOT NULL,
    "excludedBy" TEXT,
    "reason" TEXT NOT NULL,
    "requestToken" TEXT NOT NULL,
    "paidAt" TIMESTAMP(3),

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("experimentId","batch","participantId")
);

-- CreateIndex
CREATE INDEX "Payment_experimentId_participantId_idx" ON "Payment"("experimentId", "participantId");

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_experimentId_batch_fkey" FOREIGN KEY ("experimentId", "batch") REFERENCES "PaymentBatch"("experimentId", "batch") ON DELETE RESTRICT ON UPDATE CASCADE;
