import { describe, expect, it } from 'vitest';
import { parseAssignments } from '../src/commands/pay.ts';
import {
  awsV4Signature,
  mturkBonusCsv,
  parseAwsKey,
  prolificBonusCsv,
  signAwsJson,
} from '../src/payment-platforms.ts';

describe('AWS Signature Version 4 (MTurk)', () => {
  it("gives the signature of AWS's worked example (S3 GET Object with a Range header)", () => {
    // From "Signature calculations for the Authorization header" in the Amazon S3 API reference:
    // GET /test.txt on examplebucket, Range bytes=0-9, the empty body's hash, 20130524T000000Z.
    const result = awsV4Signature({
      method: 'GET',
      path: '/test.txt',
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
      },
      body: '',
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      service: 's3',
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    });
    expect(result.signedHeaders).toBe('host;range;x-amz-content-sha256;x-amz-date');
    expect(result.scope).toBe('20130524/us-east-1/s3/aws4_request');
    expect(result.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('signs an MTurk call with its target, date and host, and reads the key as id:secret', () => {
    const credentials = parseAwsKey('AKID:secret/with:colon', 'MTURK_API_KEY');
    expect(credentials).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret/with:colon' });
    expect(() => parseAwsKey('no-colon', 'MTURK_API_KEY')).toThrow(
      /MTURK_API_KEY must be "<access key id>:<secret access key>"/,
    );
    const headers = signAwsJson(
      new URL('https://mturk-requester.us-east-1.amazonaws.com/'),
      'MTurkRequesterServiceV20170117.SendBonus',
      '{}',
      credentials,
      new Date('2026-12-07T18:00:00.123Z'),
    );
    expect(headers['x-amz-date']).toBe('20261207T180000Z');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/20261207\/us-east-1\/mturk-requester\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(JSON.stringify(headers)).not.toContain('secret');
  });
});

describe('bonus files', () => {
  const lines = [
    {
      platformId: '60ffe5c8371090c7041d43f8',
      assignmentId: 'A1',
      amountMinor: 425,
      reason: 'Bonus, with "quotes"',
      requestToken: 't1',
    },
    {
      platformId: '60ff44a1d00991f1dfe405d9',
      assignmentId: 'A2',
      amountMinor: 7,
      reason: 'Base',
      requestToken: 't2',
    },
  ];

  it("Prolific: participant_id,amount per line, the amount a decimal in the study's currency", () => {
    expect(prolificBonusCsv(lines, 'GBP')).toBe(
      '60ffe5c8371090c7041d43f8,4.25\n60ff44a1d00991f1dfe405d9,0.07\n',
    );
  });

  it("MTurk: SendBonus's fields, the reason quoted when it holds a comma or a quote", () => {
    expect(mturkBonusCsv(lines)).toBe(
      'WorkerId,AssignmentId,BonusAmount,Reason,UniqueRequestToken\n' +
        '60ffe5c8371090c7041d43f8,A1,4.25,"Bonus, with ""quotes""",t1\n' +
        '60ff44a1d00991f1dfe405d9,A2,0.07,Base,t2\n',
    );
  });

  it("reads MTurk's batch results CSV for each worker's assignment", () => {
    const csv =
      '"HITId","AssignmentId","WorkerId","Answer.text"\r\n"H","AS1","W1","a, ""b"""\r\n"H","AS2","W2",""\r\n';
    expect([...parseAssignments(csv, 'results.csv')]).toEqual([
      ['W1', 'AS1'],
      ['W2', 'AS2'],
    ]);
    expect(() => parseAssignments('a,b\n1,2\n', 'x.csv')).toThrow(
      /needs a header with WorkerId and AssignmentId/,
    );
  });
});
