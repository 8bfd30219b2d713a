/**
 * MTurk's ExternalQuestion: MTurk shows the study link in an iframe on its worker site, appending
 * assignmentId, hitId, workerId and turkSubmitTo (assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE while a
 * worker previews the HIT); the worker finishes by a form posted to `<turkSubmitTo>/mturk/externalSubmit`
 * carrying the assignmentId and at least one other field. The submit target is taken from the link
 * only when it is one of MTurk's own hosts (a loopback host when a test says so): a link edited to
 * name another site would otherwise make the last page post there.
 */

export const EXTERNAL_QUESTION_SCHEMA =
  'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd';

/** Where MTurk's workers finish: production and the sandbox. */
const SUBMIT_HOSTS = ['www.mturk.com', 'workersandbox.mturk.com'];

/** The sites that frame an ExternalQuestion (the worker site, the sandbox, and the classic site). */
const FRAMING_ORIGINS = [
  'https://worker.mturk.com',
  'https://workersandbox.mturk.com',
  'https://www.mturk.com',
];

/** Loopback origins a test's fake MTurk page may frame the app from and submit to. */
const LOOPBACK_ORIGINS = ['http://127.0.0.1:*', 'http://localhost:*', 'http://[::1]:*'];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * The ExternalQuestion XML for CreateHIT's Question parameter (or the requester site's "Question" box
 * via the API): the study link shown in a frame `frameHeight` pixels high. MTurk only frames https
 * pages, so another scheme is refused (plain http on loopback, for trying it on this machine).
 */
export function externalQuestionXml(studyUrl: string, frameHeight: number): string {
  const url = new URL(studyUrl);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
    throw new Error(
      `MTurk frames https pages only, and the study link is ${url.protocol}//…: set OVERSIGHT_WEB_URL to the https address people reach the app at`,
    );
  if (!Number.isInteger(frameHeight) || frameHeight < 0 || frameHeight > 10_000)
    throw new Error('the frame height is a whole number of pixels from 0 to 10000');
  const escaped = url.href.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<ExternalQuestion xmlns="${EXTERNAL_QUESTION_SCHEMA}">`,
    `  <ExternalURL>${escaped}</ExternalURL>`,
    `  <FrameHeight>${frameHeight}</FrameHeight>`,
    '</ExternalQuestion>',
    '',
  ].join('\n');
}

/**
 * The origin a finished worker's form posts to, from the link's turkSubmitTo: MTurk's production or
 * sandbox host over https (a loopback host when `allowLoopback`), else null. Only the origin is kept;
 * the path is always /mturk/externalSubmit.
 */
export function submitOrigin(turkSubmitTo: string | null, allowLoopback = false): string | null {
  if (!turkSubmitTo) return null;
  let url: URL;
  try {
    url = new URL(turkSubmitTo);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.protocol === 'https:' && SUBMIT_HOSTS.includes(url.host)) return url.origin;
  if (
    allowLoopback &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    LOOPBACK_HOSTS.has(url.hostname)
  )
    return url.origin;
  return null;
}

/** The address of MTurk's submit form at an origin submitOrigin accepted. */
export function externalSubmitUrl(origin: string): string {
  return `${origin}/mturk/externalSubmit`;
}

/** Whether an origin is one submitOrigin accepts (checked again where a signed cookie names it). */
export function isSubmitOrigin(origin: string, allowLoopback: boolean): boolean {
  return submitOrigin(origin, allowLoopback) === origin;
}

/** The frame-ancestors of a page MTurk frames. */
export function framingOrigins(allowLoopback: boolean): string[] {
  return allowLoopback ? [...FRAMING_ORIGINS, ...LOOPBACK_ORIGINS] : FRAMING_ORIGINS;
}
