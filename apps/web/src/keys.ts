import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Everything the web app signs, derived from one deployment secret with an HMAC per purpose: a
 * study's link key (`&k=`), personal invite tokens, session cookies and the default completion code.
 * Nothing is kept per experiment, so several web processes with the same secret agree, and a restart
 * loses nothing. The secret comes from OVERSIGHT_WEB_SECRET, or is made once and kept in the data
 * folder (readable by its owner only); it is never in a config and never printed.
 */
export class StudyKeys {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 16) throw new Error('the web secret must have at least 16 bytes');
  }

  private mac(purpose: string, ...parts: string[]): string {
    // NUL separates the parts: no experiment id or identity contains one, so no two inputs collide.
    return createHmac('sha256', this.secret)
      .update([purpose, ...parts].join('\0'))
      .digest('base64url');
  }

  /**
   * The per-study secret a link carries (`&k=`): without it a guessed URL makes no participant. A link
   * into one pool of several (`&pool=arguers`) has its own key, so nobody picks their pool by editing it.
   */
  studyKey(experimentId: string, pool: string | null = null): string {
    return (
      pool === null ? this.mac('study', experimentId) : this.mac('study-pool', experimentId, pool)
    ).slice(0, 22);
  }

  checkStudyKey(experimentId: string, key: string | null, pool: string | null = null): boolean {
    return key !== null && same(key, this.studyKey(experimentId, pool));
  }

  /** A personal invite: a random id (the person's identity is "web:<id>") and its signature. */
  invite(experimentId: string, id: string = randomBytes(8).toString('hex')): string {
    return `${id}.${this.mac('invite', experimentId, id).slice(0, 16)}`;
  }

  /** The invite's id when the token was made for this experiment by this secret, else null. */
  checkInvite(experimentId: string, token: string | null): string | null {
    const match = /^([0-9a-z]{4,32})\.([A-Za-z0-9_-]{16})$/.exec(token ?? '');
    if (!match) return null;
    return same(token!, this.invite(experimentId, match[1]!)) ? match[1]! : null;
  }

  /**
   * The code people are given at the end (Prolific's completion code) when the deployment sets none:
   * stable per experiment, so the researcher can enter it on the platform before the study starts.
   */
  completionCode(experimentId: string): string {
    const digest = createHmac('sha256', this.secret).update(`complete\0${experimentId}`).digest();
    return Array.from(digest.subarray(0, 8), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
  }

  /**
   * The code people who are screened out get (Prolific's separate screen-out code) when the deployment
   * sets none: stable per experiment like the completion code, and never equal to it.
   */
  screenedOutCode(experimentId: string): string {
    const digest = createHmac('sha256', this.secret).update(`screened-out\0${experimentId}`).digest();
    const code = Array.from(digest.subarray(0, 8), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
    return code === this.completionCode(experimentId)
      ? `${code[0] === 'S' ? 'T' : 'S'}${code.slice(1)}`
      : code;
  }

  /**
   * The MTurk assignment a framed session finishes by (its assignmentId and the MTurk origin its form
   * posts to), signed for this experiment and person: kept in a cookie of its own, so the last page's
   * form names the assignment the worker arrived with, and no edited cookie can change where it posts.
   */
  mturkAssignment(experimentId: string, identity: string, assignmentId: string, origin: string): string {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    return `${b64(assignmentId)}.${b64(origin)}.${this.mac('mturk', experimentId, identity, assignmentId, origin).slice(0, 32)}`;
  }

  /** The assignment and submit origin a cookie of mturkAssignment names, when its signature holds. */
  openMturkAssignment(
    experimentId: string,
    identity: string,
    value: string | undefined,
  ): { assignmentId: string; origin: string } | null {
    const match = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{0,200})\.([A-Za-z0-9_-]{32})$/.exec(value ?? '');
    if (!match) return null;
    const assignmentId = Buffer.from(match[1]!, 'base64url').toString();
    const origin = Buffer.from(match[2]!, 'base64url').toString();
    return same(value!, this.mturkAssignment(experimentId, identity, assignmentId, origin))
      ? { assignmentId, origin }
      : null;
  }

  /** A session cookie's value: the identity key and the link's pool (if any), signed for this experiment. */
  session(experimentId: string, identity: string, pool: string | null = null): string {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    return `${b64(identity)}.${b64(pool ?? '')}.${this.mac('session', experimentId, identity, pool ?? '').slice(0, 32)}`;
  }

  /** The identity key and pool a session cookie names, when its signature holds for this experiment. */
  openSession(
    experimentId: string,
    value: string | undefined,
  ): { identity: string; pool: string | null } | null {
    const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{0,100})\.([A-Za-z0-9_-]{32})$/.exec(value ?? '');
    if (!match) return null;
    const identity = Buffer.from(match[1]!, 'base64url').toString();
    const pool = Buffer.from(match[2]!, 'base64url').toString() || null;
    return same(value!, this.session(experimentId, identity, pool)) ? { identity, pool } : null;
  }

  /** The researcher's view: a token compared in constant time. */
  static sameToken(given: string, expected: string): boolean {
    return same(given, expected);
  }

  /** The researcher's session cookie: a digest of the token (the token itself is never stored). */
  researcherCookie(token: string): string {
    return this.mac('researcher', token).slice(0, 32);
  }
}

/** Codes people type: no 0/O or 1/I to confuse. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const SECRET_FILE = 'web-secret';

/**
 * The deployment secret: OVERSIGHT_WEB_SECRET when set (several web processes, or PostgreSQL without a
 * shared data folder), else the one kept in `<data folder>/web-secret`, made on first start.
 */
export function loadSecret(
  envSecret: string | undefined,
  dataDir: string,
): { secret: Buffer; source: string } {
  if (envSecret) return { secret: Buffer.from(envSecret), source: 'OVERSIGHT_WEB_SECRET' };
  const file = path.join(dataDir, SECRET_FILE);
  if (existsSync(file)) return { secret: Buffer.from(readFileSync(file, 'utf8').trim()), source: file };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { secret: Buffer.from(readFileSync(file, 'utf8').trim()), source: `${file} (new)` };
}
