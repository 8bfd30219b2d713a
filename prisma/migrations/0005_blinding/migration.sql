-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "blindingKey" TEXT;

-- (by hand) Handles made before this migration were a hash of the trial id, which the experiment's
-- config and seed let anyone rebuild: every trial gets a new random one (72 bits from
-- gen_random_uuid's strong random source). A button on a message posted before the upgrade then no
-- longer matches a trial, and the apps say so and offer the person's current screen.
UPDATE "Trial" SET "ref" = substr(translate(encode(sha256(convert_to(gen_random_uuid()::text || "id", 'UTF8')), 'base64'), '+/=', '-_'), 1, 12);

-- AlterTable
ALTER TABLE "Trial" ALTER COLUMN "ref" SET NOT NULL;
