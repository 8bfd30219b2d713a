import { createHash, createHmac } from 'node:crypto';
import { formatMinor } from '@oversight/core';

/**
 * The bonus files and API calls of the two recruiting platforms, from their public documentation:
 *
 * - Prolific, "Set up bonuses" (POST /api/v1/submissions/bonus-payments/, JSON { study_id,
 *   csv_bonuses }: lines `<participant_id>,<amount>` with the amount a decimal in the study's currency,
 *   "1.50" for £1.50; answers the bulk bonus's `id`) and "Pay bonuses" (POST
 *   /api/v1/bulk-bonus-payments/{id}/pay/, which the documentation warns is NOT idempotent: a second
 *   call pays everyone again). Authorization header `Token <token>`.
 *   https://docs.prolific.com/api-reference/bonuses/create-bonus-payments,
 *   https://docs.prolific.com/api-reference/bonuses/pay-bonus-payments. The researcher's web page
 *   ("Bulk bonus payment") takes the same `participant_id,amount` lines.
 * - MTurk, SendBonus (JSON protocol, X-Amz-Target MTurkRequesterServiceV20170117.SendBonus, AWS
 *   Signature Version 4 for service mturk-requester): WorkerId, BonusAmount (US dollars as a string),
 *   AssignmentId, Reason (shown to the worker), UniqueRequestToken (up to 64 characters: a repeated
 *   request with the same token is refused rather than paid again).
 *   https://docs.aws.amazon.com/AWSMechTurk/latest/AWSMturkAPI/ApiReference_SendBonusOperation.html
 */

export interface BonusLine {
  platformId: string;
  assignmentId: string | null;
  amountMinor: number;
  reason: string;
  requestToken: string;
}

/** Prolific's bulk bonus lines: `participant_id,amount` per line, no header (as its form and API take). */
export function prolificBonusCsv(lines: readonly BonusLine[], currency: string): string {
  return lines.map((l) => `${l.platformId},${formatMinor(l.amountMinor, currency)}\n`).join('');
}

const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** MTurk: one SendBonus per row, with SendBonus's own field names as the header. */
export function mturkBonusCsv(lines: readonly BonusLine[]): string {
  const header = 'WorkerId,AssignmentId,BonusAmount,Reason,UniqueRequestToken\n';
  return (
    header +
    lines
      .map(
        (l) =>
          `${[l.platformId, l.assignmentId ?? '', formatMinor(l.amountMinor, 'USD'), l.reason, l.requestToken]
            .map(csvField)
            .join(',')}\n`,
      )
      .join('')
  );
}

/** A platform refused a request: its status and what it said (never the key or the headers sent). */
export class PlatformError extends Error {
  override name = 'PlatformError';
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

async function readBody(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

export const PROLIFIC_API = 'https://api.prolific.com';

/** Prolific: sets a bulk bonus up and returns its id (nothing is paid yet). */
export async function prolificSetUp(
  endpoint: string,
  token: string,
  studyId: string,
  csv: string,
): Promise<string> {
  const response = await fetch(new URL('/api/v1/submissions/bonus-payments/', endpoint), {
    method: 'POST',
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
    // Prolific's examples send the lines without a final newline.
    body: JSON.stringify({ study_id: studyId, csv_bonuses: csv.replace(/\n$/, '') }),
  });
  const body = await readBody(response);
  if (!response.ok)
    throw new PlatformError(
      `Prolific refused the bonus set-up (HTTP ${response.status}): ${body}`,
      response.status,
      body,
    );
  const id = (JSON.parse(body) as { id?: unknown }).id;
  if (typeof id !== 'string' || !id)
    throw new PlatformError(
      `Prolific's answer to the set-up has no bulk bonus id: ${body}`,
      response.status,
      body,
    );
  return id;
}

/** Prolific: pays a bulk bonus set up before. Not idempotent: call once per bulk bonus id. */
export async function prolificPay(endpoint: string, token: string, bulkId: string): Promise<void> {
  const response = await fetch(
    new URL(`/api/v1/bulk-bonus-payments/${encodeURIComponent(bulkId)}/pay/`, endpoint),
    {
      method: 'POST',
      headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
      body: '{}',
    },
  );
  const body = await readBody(response);
  if (!response.ok)
    throw new PlatformError(
      `Prolific refused to pay bulk bonus ${bulkId} (HTTP ${response.status}): ${body}`,
      response.status,
      body,
    );
}

export const MTURK_API = 'https://mturk-requester.us-east-1.amazonaws.com';
const MTURK_TARGET = 'MTurkRequesterServiceV20170117';

/** AWS credentials as one value: "<access key id>:<secret access key>". */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function parseAwsKey(value: string, name: string): AwsCredentials {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1)
    throw new Error(
      `${name} must be "<access key id>:<secret access key>" (the two parts of an AWS access key)`,
    );
  return { accessKeyId: value.slice(0, at), secretAccessKey: value.slice(at + 1) };
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * AWS Signature Version 4 over a request with no query string: the canonical request (method, path,
 * sorted lower-case headers, their names, the body's SHA-256), the string to sign with the credential
 * scope date/region/service/aws4_request, and the signing key derived from the secret through those
 * four. Checked against the worked example in AWS's documentation (test/payment-platforms.test.ts).
 */
export function awsV4Signature(input: {
  method: string;
  path: string;
  /** Lower-case names; every one is signed. */
  headers: Record<string, string>;
  body: string;
  /** e.g. 20130524T000000Z */
  amzDate: string;
  region: string;
  service: string;
  credentials: AwsCredentials;
}): { signature: string; signedHeaders: string; scope: string } {
  const day = input.amzDate.slice(0, 8);
  const names = Object.keys(input.headers).sort();
  const canonical = [
    input.method,
    input.path || '/',
    '',
    ...names.map((h) => `${h}:${input.headers[h]!.trim()}`),
    '',
    names.join(';'),
    sha256(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), input.region), input.service),
    'aws4_request',
  );
  return {
    signature: createHmac('sha256', key).update(toSign, 'utf8').digest('hex'),
    signedHeaders: names.join(';'),
    scope,
  };
}

/** The headers of a signed JSON POST to `/`, the form MTurk's API takes. */
export function signAwsJson(
  url: URL,
  target: string,
  body: string,
  credentials: AwsCredentials,
  now: Date,
  region = 'us-east-1',
  service = 'mturk-requester',
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  const { signature, signedHeaders, scope } = awsV4Signature({
    method: 'POST',
    path: url.pathname,
    headers,
    body,
    amzDate,
    region,
    service,
    credentials,
  });
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/**
 * MTurk SendBonus. Resolves 'paid', or 'duplicate' when MTurk refuses the request as a repeat of one
 * with the same UniqueRequestToken (so it was paid before: a crash came after the call, before the
 * record of its answer).
 */
export async function mturkSendBonus(
  endpoint: string,
  credentials: AwsCredentials,
  line: BonusLine,
): Promise<'paid' | 'duplicate'> {
  const url = new URL('/', endpoint);
  const body = JSON.stringify({
    WorkerId: line.platformId,
    BonusAmount: formatMinor(line.amountMinor, 'USD'),
    AssignmentId: line.assignmentId,
    Reason: line.reason,
    UniqueRequestToken: line.requestToken,
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: signAwsJson(url, `${MTURK_TARGET}.SendBonus`, body, credentials, new Date()),
    body,
  });
  const text = await readBody(response);
  if (response.ok) return 'paid';
  // MTurk answers a repeated UniqueRequestToken with a RequestError that says the token was used.
  if (response.status === 400 && /UniqueRequestToken|duplicate/i.test(text)) return 'duplicate';
  throw new PlatformError(
    `MTurk refused SendBonus (HTTP ${response.status}): ${text}`,
    response.status,
    text,
  );
}
