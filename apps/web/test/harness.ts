// A world for the web app's tests: a database, the fake OpenAI server, `serve` and the web app in this
// process; visitors who follow study links and post the pages' forms over HTTP, with a cookie jar.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema, type Question, type TrialEvent } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import type { Backend } from '@oversight/db/testing/backends';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import { persistPlan, planExperiment, type ServeHandle, serve } from '@oversight/runner';
import { type FakeOpenAIOptions, type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { StudyKeys } from '../src/keys.ts';
import { type RunningWebApp, startWebApp } from '../src/server.ts';

export function questions(count = 6): Question[] {
  return Array.from({ length: count }, (_, i) => {
    const source = Array.from(
      { length: 24 },
      (_, k) =>
        `In chapter ${k} of tale ${i}, the pilot ${k % 2 ? 'repaired the beacon' : 'mapped the reef'} before the tide turned.`,
    ).join(' ');
    return {
      id: `q${i}`,
      storyId: `s${i}`,
      storyTitle: `Tale ${i}`,
      question: `What did the pilot of tale ${i} do first?`,
      answers: ['mapped the reef', 'repaired the beacon'],
      correctIndex: i % 2,
      source,
      metadata: {},
    };
  });
}

export const llm = (model: string) => ({
  kind: 'llm',
  endpoint: 'local',
  model,
  temperature: 0,
  maxTokens: 200,
});
export const webPeople = { name: 'people', participant: { kind: 'human', platform: 'web' } } as const;

/** The same secret in every world, so two twin worlds derive the same keys and cookies. */
export const SECRET = Buffer.from('a test secret of the web app, 32+ bytes long');

export interface PlanChoice {
  questions?: Question[];
  blindingKey?: string;
}

export async function planInto(
  db: Database,
  input: Record<string, unknown> & { name: string },
  baseURL: string,
  choice: PlanChoice = {},
): Promise<void> {
  const config = ExperimentConfigSchema.parse({
    seed: input.name,
    llm: {
      cache: false,
      endpoints: { local: { baseURL, maxConcurrent: 8, timeoutMs: 5000, maxRetries: 0 } },
    },
    ...input,
  });
  const plan = planExperiment(
    config,
    choice.questions ?? questions(),
    `${input.name}-questions`,
    choice.blindingKey ? { blindingKey: choice.blindingKey } : {},
  );
  await persistPlan(db, plan, `${input.name}-questions`);
}

export interface World {
  db: Database;
  openai: FakeOpenAIServer;
  app: RunningWebApp;
  service: ServeHandle;
  keys: StudyKeys;
  url: string;
  /** A study link: `/s/<exp>?k=…&<params>`. */
  link(
    experimentId: string,
    params: Record<string, string>,
    options?: { key?: string | null; pool?: string },
  ): string;
  visitor(): Visitor;
  events(trialId: string): Promise<TrialEvent[]>;
  close(): Promise<void>;
}

export async function startWorld(
  experiments: Array<Record<string, unknown> & { name: string }>,
  options: {
    plans?: Record<string, PlanChoice>;
    openai?: FakeOpenAIOptions;
    backend?: Backend;
    completionCodes?: Record<string, string>;
    idleMs?: number;
    researcherToken?: string;
    mturkLoopback?: boolean;
  } = {},
): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-web-'));
  const openai = await startFakeOpenAI({ latencyMs: 5, ...options.openai });
  const harness = options.backend ? await options.backend.setup() : null;
  const db = harness?.db ?? (await openDatabase({ dataDir: dir }));
  for (const e of experiments) await planInto(db, e, openai.url, options.plans?.[e.name] ?? {});
  const controller = new AbortController();
  const experimentIds = experiments.map((e) => e.name);
  let wake = () => {};
  const service = serve(db, {
    experimentIds,
    signal: controller.signal,
    pollMs: 100,
    onTrial: () => wake(),
    factories: (experimentId, config) => ({
      llm: llmParticipantFactory({ store: databaseLlmStore(db), config: config.llm, experimentId }),
    }),
  });
  const keys = new StudyKeys(SECRET);
  const logs: string[] = [];
  const app = await startWebApp({
    db,
    keys,
    experimentIds,
    pollMs: 100,
    onMove: () => service.wake(),
    log: (line) => logs.push(line),
    ...(options.completionCodes ? { completionCodes: options.completionCodes } : {}),
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
    ...(options.researcherToken ? { researcherToken: options.researcherToken } : {}),
    ...(options.mturkLoopback ? { mturkLoopback: true } : {}),
  });
  wake = () => app.wake();
  const world: World = {
    db,
    openai,
    app,
    service,
    keys,
    url: app.url,
    link(experimentId, params, o = {}) {
      const q = new URLSearchParams();
      const key = o.key === undefined ? keys.studyKey(experimentId, o.pool ?? null) : o.key;
      if (key !== null) q.set('k', key);
      if (o.pool) q.set('pool', o.pool);
      for (const [k, v] of Object.entries(params)) q.set(k, v);
      return `/s/${experimentId}?${q}`;
    },
    visitor: () => new Visitor(app.url),
    async events(trialId) {
      return (await db.events.load(trialId)).map((e) => e.payload as TrialEvent);
    },
    async close() {
      controller.abort();
      await app.stop();
      await service.done.catch(() => undefined);
      if (harness) await harness.teardown();
      else await db.close();
      await openai.close();
      if (logs.length) process.stderr.write(`web app log:\n${logs.join('\n')}\n`);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Waits until `check` returns something truthy, polling. */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface Response {
  status: number;
  url: string;
  body: string;
  headers: Headers;
}

/** A form of a page: where it posts, its fields, its button labels. */
export interface Form {
  action: string;
  fields: Record<string, string>;
  buttons: Array<{ label: string; name?: string; value?: string }>;
  /** Names of its visible inputs (selects, textareas, text and radio inputs). */
  inputs: string[];
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

export function formsOf(body: string): Form[] {
  const forms: Form[] = [];
  for (const m of body.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const inner = m[2]!;
    const fields: Record<string, string> = {};
    for (const h of inner.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields[h[1]!] = unescapeHtml(h[2]!);
    const previewText = /<textarea name="preview" hidden>([\s\S]*?)<\/textarea>/.exec(inner);
    if (previewText) fields.preview = unescapeHtml(previewText[1]!);
    const buttons = [...inner.matchAll(/<button type="submit"([^>]*)>([^<]*)<\/button>/g)].map((b) => {
      const name = /name="([^"]+)"/.exec(b[1]!)?.[1];
      const value = /value="([^"]+)"/.exec(b[1]!)?.[1];
      return { label: unescapeHtml(b[2]!), ...(name ? { name } : {}), ...(value ? { value } : {}) };
    });
    const inputs = [
      ...inner.matchAll(
        /<(?:select|textarea|input)(?: type="(?:text|radio)")? id="[^"]*" name="([^"]+)"|<input type="radio" name="([^"]+)"/g,
      ),
    ]
      .map((i) => i[1] ?? i[2]!)
      .filter((n, i, all) => all.indexOf(n) === i);
    forms.push({ action: unescapeHtml(m[1]!), fields, buttons, inputs });
  }
  return forms;
}

/** The text of a page without its markup (for assertions on what a person reads). */
export function textOf(body: string): string {
  return unescapeHtml(
    body
      .replace(/<(script|style)[\s\S]*?<\/\1>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}

/** A browser reduced to what the server sees: requests, a cookie jar, redirects followed. */
export class Visitor {
  private readonly cookies = new Map<string, string>();
  /** Every response this visitor received, in order (for the twin comparison). */
  readonly seen: Array<Response & { method: string; at: number; sent?: Record<string, string> }> = [];
  last: Response | null = null;

  constructor(readonly base: string) {}

  private async request(method: string, url: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(new URL(url, this.base), {
      method,
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      this.cookies.set(k!, v.join('='));
    }
    const body = await res.text();
    const out = { status: res.status, url, body, headers: res.headers };
    this.seen.push({ ...out, method, at: Date.now(), ...(form ? { sent: form } : {}) });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) return this.request('GET', location);
    // A page that moves on at once (the study link's welcome) is followed as a browser would.
    const refresh = /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(body);
    if (refresh) return this.request('GET', unescapeHtml(refresh[1]!));
    this.last = out;
    return out;
  }

  get(url: string): Promise<Response> {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.request('POST', url, form);
  }

  forms(): Form[] {
    return formsOf(this.last?.body ?? '');
  }

  /** The form with this button, from the last page. */
  form(label: string | RegExp): Form {
    const match = (l: string) => (typeof label === 'string' ? l === label : label.test(l));
    const form = this.forms().find((f) => f.buttons.some((b) => match(b.label)));
    if (!form)
      throw new Error(
        `no button "${label}" on ${this.last?.url}: ${this.forms()
          .flatMap((f) => f.buttons.map((b) => b.label))
          .join(', ')}\n${textOf(this.last?.body ?? '').slice(0, 600)}`,
      );
    return form;
  }

  /** Clicks the button, with these visible fields filled in (names as the form has them). */
  submit(label: string | RegExp, values: Record<string, string> = {}): Promise<Response> {
    const form = this.form(label);
    const match = (l: string) => (typeof label === 'string' ? l === label : label.test(l));
    const button = form.buttons.find((b) => match(b.label))!;
    // Only what the page lets a person fill in (a test posting a field the page lacks would pass
    // where a browser fails).
    for (const name of Object.keys(values))
      if (!form.inputs.includes(name) && !(name in form.fields) && !name.startsWith('att_'))
        throw new Error(
          `the form with "${label}" has no input "${name}" (it has ${form.inputs.join(', ') || 'none'})`,
        );
    return this.post(form.action, {
      ...form.fields,
      ...(button.name ? { [button.name]: button.value ?? '' } : {}),
      ...values,
    });
  }

  text(): string {
    return textOf(this.last?.body ?? '');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}
