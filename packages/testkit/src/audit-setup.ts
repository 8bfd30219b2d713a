// A vitest setup file (setupFiles in each package whose tests start a fake Discord or Slack): after
// every test, any request the fakes refused for breaking a platform rule, or any message that would
// have notified someone nobody chose to notify, fails that test with what and why.
import { afterEach } from 'vitest';
import { describeViolations, takeViolations } from './audit.ts';

afterEach(() => {
  const violations = takeViolations();
  if (violations.length > 0)
    throw new Error(
      `This test made ${violations.length} request(s) the real platform would refuse or regret:\n${describeViolations(violations)}`,
    );
});
