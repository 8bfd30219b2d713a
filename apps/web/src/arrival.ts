import { type Identity, identityKey } from '@oversight/runner';
import type { StudyKeys } from './keys.ts';

/**
 * Who a study link says the person is. Prolific appends PROLIFIC_PID, STUDY_ID and SESSION_ID;
 * MTurk's external question appends workerId, assignmentId, hitId (and assignmentId
 * ASSIGNMENT_ID_NOT_AVAILABLE while a worker previews the HIT); a personal invite carries its token.
 * Identities are "prolific:<PID>", "mturk:<workerId>" and "web:<invite id>": the `pay` command reads
 * these to write the platforms' bonus files.
 */
export type Arrival =
  | {
      status: 'person';
      identity: Identity;
      key: string;
      recruitedOn: 'prolific' | 'mturk' | 'invite';
      /** The pool the link is for, when the study has several (judges and arguers). */
      pool: string | null;
      /** MTurk: the assignment and HIT the worker accepted, and where MTurk said to submit (unchecked). */
      mturk?: { assignmentId: string; hitId: string | null; turkSubmitTo: string | null };
    }
  | { status: 'preview' }
  | { status: 'refused'; code: 400 | 403; message: string };

/** Platform ids are short runs of letters and digits (Prolific: 24 hex digits; MTurk: A1B2C3…). */
const PLATFORM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function arrivalOf(experimentId: string, query: URLSearchParams, keys: StudyKeys): Arrival {
  const pool = query.get('pool');
  if (pool !== null && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(pool))
    return {
      status: 'refused',
      code: 400,
      message: 'This study link names no valid pool. Open it exactly as it was given to you.',
    };
  if (!keys.checkStudyKey(experimentId, query.get('k'), pool))
    return {
      status: 'refused',
      code: 403,
      message: query.has('k')
        ? 'This study link is not valid: its key does not match. Open the link exactly as the study gave it to you (copy all of it), or ask the researcher for a new one.'
        : 'This study link is incomplete: it has no key. Open the link exactly as the study gave it to you (copy all of it), or ask the researcher for a new one.',
    };
  const person = (identity: Identity, recruitedOn: 'prolific' | 'mturk' | 'invite'): Arrival => ({
    status: 'person',
    identity,
    key: identityKey(identity),
    recruitedOn,
    pool,
  });
  const badId = (name: string): Arrival => ({
    status: 'refused',
    code: 400,
    message: `This study link's ${name} is not a valid id (letters and digits only). Open the study again from the platform.`,
  });
  const pid = query.get('PROLIFIC_PID');
  if (pid !== null) {
    if (!PLATFORM_ID.test(pid)) return badId('PROLIFIC_PID');
    return person({ platform: 'web', recruitedOn: 'prolific', user: pid }, 'prolific');
  }
  const worker = query.get('workerId');
  const assignment = query.get('assignmentId');
  if (worker !== null || assignment !== null) {
    if (assignment === 'ASSIGNMENT_ID_NOT_AVAILABLE') return { status: 'preview' };
    if (worker === null || !PLATFORM_ID.test(worker)) return badId('workerId');
    if (assignment === null || !PLATFORM_ID.test(assignment)) return badId('assignmentId');
    const hit = query.get('hitId');
    if (hit !== null && !PLATFORM_ID.test(hit)) return badId('hitId');
    return {
      ...person({ platform: 'web', recruitedOn: 'mturk', user: worker }, 'mturk'),
      mturk: { assignmentId: assignment, hitId: hit, turkSubmitTo: query.get('turkSubmitTo') },
    } as Arrival;
  }
  const invite = query.get('invite');
  if (invite !== null) {
    const id = keys.checkInvite(experimentId, invite);
    if (!id)
      return {
        status: 'refused',
        code: 403,
        message:
          'This invitation is not valid for this study. Open the link exactly as you received it, or ask the researcher for a new invitation.',
      };
    return person({ platform: 'web', user: id }, 'invite');
  }
  return {
    status: 'refused',
    code: 400,
    message:
      'This study link does not say who you are: it needs PROLIFIC_PID (Prolific), workerId and assignmentId (MTurk) or an invite. Open the study from the platform that sent you here.',
  };
}

/** The Identity a session's identity key stands for (the inverse of identityKey for web people). */
export function identityOfKey(key: string): Identity | null {
  const [scheme, ...rest] = key.split(':');
  const user = rest.join(':');
  if (!user) return null;
  if (scheme === 'prolific' || scheme === 'mturk') return { platform: 'web', recruitedOn: scheme, user };
  if (scheme === 'web') return { platform: 'web', user };
  return null;
}
