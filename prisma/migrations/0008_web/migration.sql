-- CreateTable
CREATE TABLE "PersonActivity" (
    "experimentId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "activeAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PersonActivity_pkey" PRIMARY KEY ("experimentId","participantId")
);
