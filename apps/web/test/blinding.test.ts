// Flipped twins at the web boundary: the same scripted person takes one trial of every protocol in two
// worlds that differ only in which answer is correct (so which side is honest), under other trial ids
// and seeds. Everything their browser receives (every page body, status, redirect and cookie, every
// server-sent event, every URL) must be the same in both, up to the trials' random handles and the
// forms' random receipts, and arrive at the same delays after their moves; the verdict's reveal (the
// correct answer, who defended what, the reward) differs by design and is cut out of the pages.
import { setTimeout as sleep } from 'node:timers/promises';
import { ExperimentConfigSchema, type Question } from '@oversight/core';
import { backends } from '@oversight/db/testing/backends';
import {
  assertTwinStreams,
  assertTwinTiming,
  Normalizer,
  type Observed,
  sideBlindReplier,
  twinKey,
  twinQuestions,
} from '@oversight/testkit';
import { describe, expect, it } from 'vitest';
import { llm, questions, startWorld, until, type World, webPeople } from './harness.ts';

const server = backends.find((b) => b.name === 'PostgreSQL server')!;
const [base] = questions(1);
const twinPair = twinQuestions(base!);
/** The dishonest side drafts, critiques and rewrites twice (five calls), the honest side writes once. */
const arguer = { ...llm('arguer'), induction: { method: 'critique-refine', rounds: 2 } };

const arms: Array<Record<string, unknown>> = [
  { name: 'seq', protocol: 'debate', rounds: 2 },
  { name: 'sim', protocol: 'debate', speeches: 'simultaneous', rounds: 2 },
  { name: 'inter', protocol: 'interactive-debate', rounds: 2 },
  // One arguer: only the pace hides how long its side's work takes (above five calls of 150 ms).
  { name: 'cons', protocol: 'consultancy', rounds: 2, paceSeconds: 3 },
  { name: 'sand', protocol: 'sandwiching', rounds: 1, paceSeconds: 3 },
  { name: 'alone', protocol: 'judge-alone' },
  { name: 'oracle', protocol: 'oracle' },
];

function experiments(world: 'a' | 'b') {
  return arms.map((arm) => ({
    name: `twin-${arm.name}`,
    seed: `seed-${world}-${arm.name}`,
    judges: [webPeople],
    survey: [{ id: 'clear', question: 'How clear was it?' }],
    arms: [{ trialsPerQuestion: 1, arguer, ...arm, name: 'arm' }],
  }));
}

async function twinWorld(which: 'a' | 'b'): Promise<World> {
  const question = twinPair[which === 'a' ? 0 : 1]!;
  const plans: Record<string, { questions: Question[]; blindingKey: string }> = {};
  const list = experiments(which);
  for (const e of list)
    plans[e.name] = {
      questions: [question],
      blindingKey: twinKey(ExperimentConfigSchema.parse(e), question),
    };
  return startWorld(list, {
    ...(server.skip === null ? { backend: server } : {}),
    plans,
    openai: { latencyMs: 150, reply: sideBlindReplier(question.source) },
  });
}

/** A browser's EventSource, reduced: the events of one page's stream, as they arrive. */
class Stream {
  private readonly controller = new AbortController();
  readonly versions: string[] = [];

  constructor(
    url: string,
    cookie: string,
    private readonly record: (o: Observed) => void,
    label: string,
  ) {
    void (async () => {
      try {
        const res = await fetch(url, { headers: { cookie }, signal: this.controller.signal });
        const reader = res.body!.getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += Buffer.from(value).toString('utf8');
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (event.startsWith(':')) continue;
            const data = /^data: (.*)$/m.exec(event)?.[1];
            this.record({ at: Date.now(), kind: `sse ${label}`, body: event });
            if (data) this.versions.push((JSON.parse(data) as { version: string }).version);
          }
        }
      } catch {
        // Closed by the page moving on.
      }
    })();
  }

  close() {
    this.controller.abort();
  }
}

/** The person's whole session in one world: what their browser received, with their moves interleaved. */
async function session(which: 'a' | 'b'): Promise<{ stream: Observed[]; normalizer: Normalizer }> {
  const world = await twinWorld(which);
  const observed: Observed[] = [];
  let stream = null as Stream | null;
  try {
    const v = world.visitor();
    let seenResponses = 0;
    // What the browser received since the last look, as observations; a page with a stream opens it.
    const collect = () => {
      for (const r of v.seen.slice(seenResponses)) {
        const path = new URL(r.url, world.url);
        observed.push({
          at: r.at,
          kind: `${r.method} ${path.pathname}${path.search}`,
          body: {
            status: r.status,
            location: r.headers.get('location'),
            cookie: r.headers.get('set-cookie'),
            type: r.headers.get('content-type'),
            // The reveal after the verdict differs by design.
            page: r.body
              .replace(/<section class="card"><h2>The verdict is in<\/h2>[\s\S]*?<\/section>/, '<the reveal>')
              .replace(/<section class="card reveal">[\s\S]*?<\/section>/g, '<the rewards so far>'),
          },
        });
      }
      seenResponses = v.seen.length;
    };
    const onPage = () => {
      collect();
      stream?.close();
      stream = null;
      const events = /data-events="([^"]+)"/.exec(v.last?.body ?? '')?.[1];
      if (events)
        stream = new Stream(
          new URL(events.replace(/&amp;/g, '&'), world.url).toString(),
          `ov_session=${v.cookie('ov_session')}`,
          (o) => observed.push(o),
          events,
        );
    };
    const quiet = async () => {
      for (let n = observed.length; ; ) {
        await sleep(250);
        if (observed.length === n) return;
        n = observed.length;
      }
    };
    const act = async (what: string, run: () => Promise<unknown>) => {
      await quiet();
      observed.push({ at: Date.now(), kind: `action: ${what}`, body: null });
      await run();
      onPage();
    };
    /** Waits, as the page does, for its stream to say something changed; then loads it again. */
    const awaitUpdate = async (what: string) => {
      const version = /data-version="([^"]*)"/.exec(v.last!.body)?.[1];
      const here = /data-here="([^"]+)"/.exec(v.last!.body)?.[1];
      const s = stream!;
      await until(() => s.versions.some((x) => x !== version), what, 30_000);
      await v.get(here!);
      onPage();
    };
    const labels = () => v.forms().flatMap((f) => f.buttons.map((b) => b.label));

    for (const { name } of experiments(which)) {
      // The judge's seat opens once the arguers' first round is in; the link is opened then.
      await until(
        async () => (await world.db.trials.owedIn(name)).some((o) => o.role === 'judge'),
        `a judge seat in ${name}`,
        30_000,
      );
      await act(`link ${name}`, () =>
        v.get(world.link(name, { PROLIFIC_PID: 'twin0000000000000000001', STUDY_ID: 's', SESSION_ID: 'x' })),
      );
      await act('consent', () => v.submit('I agree: start'));
      for (let step = 0; step < 12; step++) {
        while (!labels().some((l) => ['Choose', 'Your credence', 'Message the assistant'].includes(l)))
          await awaitUpdate(`a turn in ${name}`);
        if (labels().includes('Message the assistant')) {
          await act('message', () => v.submit('Message the assistant'));
          await act('send message', () => v.submit('Send', { f_comment: 'What happened first?' }));
          continue;
        }
        await act('credence 60', () => v.submit('Choose', { value: '60' }));
        if (labels().includes('Submit verdict')) {
          await act('verdict', () => v.submit('Submit verdict'));
          break;
        }
        if (step === 0 && labels().includes('Ask or comment…')) {
          await act('ask', () => v.submit('Ask or comment…'));
          await act('send question', () => v.submit('Send', { f_comment: 'Which chapter?' }));
          continue;
        }
        await act('continue', () => v.submit('Continue'));
      }
      expect(v.text()).toContain('Verdict recorded');
      await act('survey', () => v.submit('Answer the survey'));
      await act('send survey', () => v.submit('Send', { f_clear: '3' }));
      await act('next', () => v.submit('Continue'));
      expect(v.text()).toContain('Thank you: you have finished');
    }
    await quiet();
    stream?.close();
    const handles: Array<readonly [string, string]> = [];
    for (const e of experiments(which))
      for (const t of await world.db.trials.list(e.name)) handles.push([t.ref, `<handle-${handles.length}>`]);
    return {
      stream: observed,
      normalizer: new Normalizer(handles, [], [[/rcpt_[A-Za-z0-9_-]{22}/g, 'receipt']]),
    };
  } finally {
    stream?.close();
    await world.close();
  }
}

/** Both worlds' sessions, as segments; `first` runs first (see assertTwinTiming). */
async function twins(first: 'a' | 'b' = 'a') {
  const [x, y] = [await session(first), await session(first === 'a' ? 'b' : 'a')];
  const [a, b] = first === 'a' ? [x, y] : [y, x];
  return { a: a.normalizer.segments(a.stream), b: b.normalizer.segments(b.stream), raw: a.stream };
}

// Timed: what reaches the person after they hand the trial to the arguers (the stream's update when
// the next round is in), where the honest side's speed could show.
const timed = (item: string, action: string) =>
  /^action: (continue|send question|send message)$/.test(action) && /"kind":"sse /.test(item);

describe('flipped twins at the web boundary', () => {
  it('sends a participant the same pages, events and URLs at the same moments whichever answer is correct', async () => {
    const { a, b, raw } = await twins();
    expect(a.filter((s) => s.action === 'action: verdict')).toHaveLength(arms.length);
    // Pages, events and redirects were compared, and no trial id or seed reached the browser.
    expect(raw.some((o) => o.kind.startsWith('sse '))).toBe(true);
    expect(JSON.stringify(a).match(/q0-twin-[ab]|seed-[ab]-/)?.[0]).toBeUndefined();
    assertTwinStreams(a, b);
    await assertTwinTiming(
      [a, b],
      async () => {
        const again = await twins('b');
        return [again.a, again.b];
      },
      { timed, toleranceMs: 400, relative: 0.5 },
    );
  }, 600_000);
});
