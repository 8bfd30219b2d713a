-- CreateIndex
CREATE INDEX "Participant_identity_idx" ON "Participant"("identity");
