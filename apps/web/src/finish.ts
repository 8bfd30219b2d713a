import type { ExperimentConfig } from '@oversight/core';
import { type Html, html } from './html.ts';
import { externalSubmitUrl } from './mturk.ts';
import { notice, page, simpleBody } from './render.ts';

/**
 * The pages at either end of a platform's study: the end of a person's part, as the platform expects
 * it (Prolific's return link with the code, MTurk's submit form in its frame, else the code to enter),
 * and what an MTurk worker previewing the HIT sees. A person a rule screened out gets the screened-out
 * code, never the completion code.
 */
export interface Finish {
  /** The person's identity key ("prolific:…", "mturk:…", "web:…"). */
  key: string;
  /** Why their part ended, when there is more to say than that it did. */
  reason: string;
  code: string;
  screenedOut: boolean;
  /** An MTurk worker's assignment and, when MTurk frames the page, the origin the HIT is submitted to. */
  assignment: { assignmentId: string; submitTo: string | null } | null;
  rewards: Html | string;
}

export function finishPage(f: Finish): string {
  const { code, screenedOut } = f;
  const which = screenedOut ? 'code' : 'completion code';
  const link = `https://app.prolific.com/submissions/complete?cc=${encodeURIComponent(code)}`;
  const finish = f.key.startsWith('prolific:')
    ? html`<p>Return to Prolific to record your submission:</p><p><a class="button primary" href="${link}" rel="noreferrer">Back to Prolific</a></p><p class="muted">If the button does not work, enter this ${which} on Prolific:</p><p class="code">${code}</p>`
    : f.assignment?.submitTo
      ? // MTurk's externalSubmit takes the assignmentId and at least one other field.
        html`<p>Submit the HIT to MTurk to record your work:</p><form method="post" action="${externalSubmitUrl(f.assignment.submitTo)}"><input type="hidden" name="assignmentId" value="${f.assignment.assignmentId}"><input type="hidden" name="completionCode" value="${code}"><input type="hidden" name="outcome" value="${screenedOut ? 'screened-out' : 'completed'}"><div class="row"><button type="submit" class="primary">Submit the HIT</button></div></form><p class="muted">Your code, should MTurk ask for it:</p><p class="code">${code}</p>`
      : html`<p>Your ${which}:</p><p class="code">${code}</p><p class="muted">Enter it where the study asks for it${f.key.startsWith('mturk:') ? ' on MTurk, then submit the HIT' : ''}.</p>`;
  const title = screenedOut ? 'Thank you: the study ends here for you' : 'Thank you: you have finished';
  return page(
    simpleBody(title, [
      ...(f.reason ? [notice(f.reason, 'info')] : []),
      finish,
      ...(f.rewards ? [f.rewards] : []),
    ]),
    { title: screenedOut ? 'The study ends here' : 'Finished' },
  );
}

/** What an MTurk worker previewing the HIT sees: what the study asks of them. Nothing is recorded. */
export function hitPreviewPage(config: ExperimentConfig, consent: { text: string } | null): string {
  const practice = config.qualification;
  const steps = [
    'You first read what the study is about and what the page records, and can decline then.',
    ...(practice
      ? [
          `Then ${practice.trials === 1 ? 'a practice trial' : `${practice.trials} practice trials`}: you go on to the study if you judge ${practice.minCorrect} of them correctly.`,
        ]
      : []),
    'You read short debates or explanations about a story and judge which answer to its question is right, saying how sure you are; your bonus follows how well your confidence matches the truth.',
    ...(config.survey?.length ? ['After each verdict, a few short questions.'] : []),
    'At the end, you submit the HIT from this page.',
  ];
  return page(
    html`<h1>Preview of this HIT</h1><p>Accept the HIT to start.</p>
${consent ? html`<section class="card"><h2>About the study</h2><p style="white-space:pre-wrap">${consent.text}</p></section>` : ''}
<section class="card"><h2>What you will do</h2><ol>${steps.map((step) => html`<li>${step}</li>`)}</ol></section>`,
    { title: 'Preview' },
  );
}
