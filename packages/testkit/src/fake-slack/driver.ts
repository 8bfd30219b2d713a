import { createHmac, randomUUID } from 'node:crypto';
import type { FakeSlack } from './server.ts';
import type { FakeMessage, FakeView } from './types.ts';

/**
 * What Slack sends an app when people use it: slash commands, clicks on buttons and selects, modal
 * submissions, messages and App Home opens, built as Slack builds them and delivered either as signed
 * HTTP requests to `/slack/events` or as Socket Mode envelopes. Lets a test play a person in Slack.
 */

export interface SlackPerson {
  id: string;
  team: string;
  name?: string;
}

export interface Delivery {
  /** HTTP status (Socket Mode: 200 once acknowledged). */
  status: number;
  /** The response body (JSON parsed when it is JSON; the ack payload in Socket Mode). */
  body: unknown;
  /** From sending to the response or acknowledgement. */
  ms: number;
}

export interface Transport {
  send(
    kind: 'command' | 'interactive' | 'event',
    payload: Record<string, unknown>,
    options?: { retryNum?: number },
  ): Promise<Delivery>;
}

/** Slack's request signature (v0): HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestamp = Math.floor(Date.now() / 1000),
): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const mac = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${mac}`, 'x-slack-request-timestamp': String(timestamp) };
}

/** The raw body Slack would post for a payload of this kind. */
export function encodeSlackBody(kind: 'command' | 'interactive' | 'event', payload: Record<string, unknown>) {
  if (kind === 'event') return { body: JSON.stringify(payload), contentType: 'application/json' };
  if (kind === 'interactive')
    return {
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(payload)) form.set(k, String(v));
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** Posts a raw body with the given headers to the app (for forged, expired and replayed requests). */
export async function postRaw(url: string, body: string, headers: Record<string, string>): Promise<Delivery> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, ms: performance.now() - started };
}

/** HTTP mode: signed requests to the app's events URL. */
export function httpTransport(
  eventsUrl: string,
  signingSecret: string,
): Transport & { last: () => LastRequest | null } {
  let last: LastRequest | null = null;
  return {
    last: () => last,
    async send(kind, payload, options = {}) {
      const { body, contentType } = encodeSlackBody(kind, payload);
      const headers: Record<string, string> = {
        'content-type': contentType,
        ...signSlackRequest(signingSecret, body),
      };
      if (options.retryNum) {
        headers['x-slack-retry-num'] = String(options.retryNum);
        headers['x-slack-retry-reason'] = 'http_timeout';
      }
      last = { body, headers };
      return postRaw(eventsUrl, body, headers);
    },
  };
}

export interface LastRequest {
  body: string;
  headers: Record<string, string>;
}

/** Socket Mode: envelopes over the fake's WebSocket. */
export function socketTransport(fake: FakeSlack): Transport {
  return {
    async send(kind, payload, options = {}) {
      const type =
        kind === 'event' ? 'events_api' : kind === 'interactive' ? 'interactive' : 'slash_commands';
      const ack = await fake.socket.send(type, payload, { retryAttempt: options.retryNum ?? 0 });
      return { status: 200, body: ack.payload, ms: ack.ms };
    },
  };
}

type Block = Record<string, unknown>;
type Element = Record<string, unknown>;
export type ElementMatch = string | RegExp | ((element: Element) => boolean);

const label = (e: Element) => ((e.text as { text?: string } | undefined)?.text ?? '') as string;

/** Interactive elements of some blocks, with the block they sit in. */
export function elementsOf(blocks: readonly unknown[]): Array<{ block: Block; element: Element }> {
  const out: Array<{ block: Block; element: Element }> = [];
  for (const b of blocks as Block[]) {
    if (b.type === 'actions') for (const e of b.elements as Element[]) out.push({ block: b, element: e });
    if (b.type === 'section' && b.accessory) out.push({ block: b, element: b.accessory as Element });
    if (b.type === 'input' && b.element) out.push({ block: b, element: b.element as Element });
  }
  return out;
}

/** The element an id, a label or a predicate names (a string matches the action id or the label exactly). */
export function findElement(blocks: readonly unknown[], match: ElementMatch) {
  const test = (e: Element) =>
    typeof match === 'string'
      ? e.action_id === match || label(e) === match
      : match instanceof RegExp
        ? match.test(String(e.action_id)) || match.test(label(e))
        : match(e);
  return elementsOf(blocks).find(({ element }) => test(element)) ?? null;
}

export class SlackDriver {
  private eventSeq = 0;
  constructor(
    readonly fake: FakeSlack,
    readonly transport: Transport,
    readonly appId = 'A0000001',
  ) {}

  private teamOf(person: SlackPerson) {
    return { id: person.team, domain: person.team.toLowerCase() };
  }

  private userOf(person: SlackPerson) {
    const name = person.name ?? `user-${person.id}`;
    return { id: person.id, username: name, name, team_id: person.team };
  }

  /** `/oversight <text>` typed in a channel (default: the person's DM with the app). */
  command(person: SlackPerson, text: string, channel = this.fake.dm(person.id)) {
    return this.transport.send('command', {
      token: 'legacy-verification-token',
      team_id: person.team,
      team_domain: person.team.toLowerCase(),
      channel_id: channel,
      channel_name: channel.startsWith('D') ? 'directmessage' : 'oversight',
      user_id: person.id,
      user_name: person.name ?? `user-${person.id}`,
      command: '/oversight',
      text,
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: this.fake.responseUrl(),
      trigger_id: this.fake.trigger(),
    });
  }

  /** A click on a button (or a choice in a select) of a message. */
  clickMessage(
    person: SlackPerson,
    message: FakeMessage,
    match: ElementMatch,
    options: { selected?: string; actionTs?: string } = {},
  ) {
    const found = findElement(message.blocks ?? [], match);
    if (!found) throw new Error(`no element ${String(match)} in message ${message.ts}`);
    return this.transport.send('interactive', {
      type: 'block_actions',
      user: this.userOf(person),
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: false,
        ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      },
      trigger_id: this.fake.trigger(),
      team: this.teamOf(person),
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: message.channel },
      message: { type: 'message', ...message },
      state: { values: {} },
      response_url: this.fake.responseUrl(),
      actions: [this.action(found, options)],
    });
  }

  /** A click on a button of a modal or of the Home tab. */
  clickView(
    person: SlackPerson,
    view: FakeView,
    match: ElementMatch,
    options: { selected?: string; actionTs?: string } = {},
  ) {
    const found = findElement((view.view.blocks as unknown[]) ?? [], match);
    if (!found) throw new Error(`no element ${String(match)} in view ${view.id}`);
    return this.transport.send('interactive', {
      type: 'block_actions',
      user: this.userOf(person),
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      container: { type: 'view', view_id: view.id },
      trigger_id: this.fake.trigger(),
      team: this.teamOf(person),
      enterprise: null,
      is_enterprise_install: false,
      view: { id: view.id, hash: view.hash, team_id: view.team, ...view.view, state: { values: {} } },
      actions: [this.action(found, options)],
    });
  }

  private action(
    found: { block: Block; element: Element },
    options: { selected?: string; actionTs?: string },
  ) {
    const { block, element } = found;
    const base = {
      action_id: element.action_id,
      block_id: block.block_id ?? randomUUID().slice(0, 5),
      type: element.type,
      action_ts: options.actionTs ?? `${(Date.now() / 1000).toFixed(6)}${++this.eventSeq}`,
    };
    if (element.type === 'static_select') {
      const option = (element.options as Array<{ value: string; text: unknown }>).find(
        (o) => o.value === options.selected,
      );
      if (!option) throw new Error(`no option ${options.selected} in select ${String(element.action_id)}`);
      return { ...base, selected_option: option };
    }
    return { ...base, text: element.text, value: element.value };
  }

  /**
   * Submits a modal with values per input (by action id, by label, or by the block's position among
   * inputs as "#0", "#1"...); a select input takes an option value.
   */
  async submit(person: SlackPerson, view: FakeView, values: Record<string, string>) {
    const state: Record<string, Record<string, unknown>> = {};
    const inputs = ((view.view.blocks as Block[]) ?? []).filter((b) => b.type === 'input');
    inputs.forEach((b, i) => {
      const e = b.element as Element;
      const labelText = (b.label as { text?: string } | undefined)?.text ?? '';
      const value = values[String(e.action_id)] ?? values[labelText] ?? values[`#${i}`];
      const blockId = String(b.block_id);
      if (e.type === 'static_select' || e.type === 'radio_buttons') {
        const option = (e.options as Array<{ value: string }>).find((o) => o.value === value) ?? null;
        state[blockId] = { [String(e.action_id)]: { type: e.type, selected_option: option } };
      } else {
        state[blockId] = { [String(e.action_id)]: { type: e.type, value: value ?? null } };
      }
    });
    const delivery = await this.transport.send('interactive', {
      type: 'view_submission',
      team: this.teamOf(person),
      user: this.userOf(person),
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      trigger_id: this.fake.trigger(),
      view: {
        id: view.id,
        team_id: view.team,
        hash: view.hash,
        root_view_id: view.rootId,
        previous_view_id: null,
        ...view.view,
        state: { values: state },
      },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    });
    if (delivery.status === 200) this.fake.applySubmission(view.id, delivery.body);
    return delivery;
  }

  /** An Events API event for a workspace. Same `eventId` again: a duplicate delivery, as Slack retries. */
  event(team: string, event: Record<string, unknown>, options: { eventId?: string; retryNum?: number } = {}) {
    const bot = this.fake.teams.find((t) => t.id === team);
    return this.transport.send(
      'event',
      {
        token: 'legacy-verification-token',
        team_id: team,
        api_app_id: this.appId,
        event: { event_ts: `${(Date.now() / 1000).toFixed(6)}`, ...event },
        type: 'event_callback',
        event_id: options.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [
          {
            team_id: team,
            user_id: bot?.botUserId ?? 'UBOT',
            is_bot: true,
            enterprise_id: null,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
      },
      options.retryNum ? { retryNum: options.retryNum } : {},
    );
  }

  /** A person writes in a thread. */
  say(
    person: SlackPerson,
    channel: string,
    threadTs: string,
    text: string,
    options: { eventId?: string; retryNum?: number } = {},
  ) {
    return this.event(
      person.team,
      {
        type: 'message',
        channel,
        channel_type: channel.startsWith('D') ? 'im' : 'channel',
        user: person.id,
        text,
        ts: `${(Date.now() / 1000).toFixed(6)}`,
        thread_ts: threadTs,
        team: person.team,
      },
      options,
    );
  }

  homeOpened(person: SlackPerson) {
    return this.event(person.team, {
      type: 'app_home_opened',
      user: person.id,
      channel: this.fake.dm(person.id),
      tab: 'home',
    });
  }
}
