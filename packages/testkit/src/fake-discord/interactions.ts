import { performance } from 'node:perf_hooks';
import type { FakeGateway } from './gateway.ts';
import { callbackProblems, modalInputs } from './limits.ts';
import type { FakeRest } from './rest.ts';
import { DiscordError, type RestReply } from './rest.ts';
import { type FakeMessage, type FakeState, type FakeUser, snowflake } from './state.ts';

/**
 * Interactions as Discord runs them: one is created by a person's action and sent to the bot as
 * INTERACTION_CREATE; the bot has 3 seconds for its one initial callback (a second is refused with
 * 40060, a late one with 10062) and 15 minutes of webhook access after it. The fake times each
 * acknowledgement from dispatch to the callback's arrival.
 */

type Json = Record<string, unknown>;

export interface InteractionAck {
  /** Callback type: 4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete, 9 modal. */
  type: number;
  data: Json | null;
  /** Milliseconds from dispatch to the callback's arrival. */
  ms: number;
  /** For a deferred update: the clicked message's edit stamp at that moment (its answer is a later edit). */
  editedBefore?: string | null;
}

export interface FakeInteraction {
  id: string;
  token: string;
  type: number;
  user: FakeUser;
  channelId: string;
  payload: Json;
  createdAt: number;
  sentAt: number;
  ack: InteractionAck | null;
  /** The message the initial response created or (for 6 and 7) the message it updated. */
  originalId: string | null;
  followups: string[];
  /** Callbacks Discord would have refused (late, a second acknowledgement, an invalid body). */
  refusals: string[];
  waiters: Array<() => void>;
}

export class InteractionBook {
  readonly all = new Map<string, FakeInteraction>();
  private readonly tokens = new Map<string, FakeInteraction>();
  rest!: FakeRest;
  /** Discord's acknowledgement deadline. */
  ackDeadlineMs = 3000;

  constructor(
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
  ) {}

  byToken(token: string): FakeInteraction | undefined {
    return this.tokens.get(token);
  }

  create(
    type: number,
    user: FakeUser,
    channelId: string,
    data: Json,
    message?: FakeMessage,
  ): FakeInteraction {
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`fake-discord: no channel ${channelId}`);
    const id = snowflake();
    const token = `aW50ZXJhY3Rpb24.${id}.${Math.random().toString(36).slice(2)}`;
    // A member's roles are those of the guild the interaction comes from.
    const member = channel.guild_id ? this.state.guild(channel.guild_id).members.get(user.id) : undefined;
    const inGuild = channel.guild_id !== undefined;
    const payload: Json = {
      id,
      application_id: this.state.applicationId,
      type,
      token,
      version: 1,
      channel_id: channelId,
      channel: this.state.wireChannel(channel),
      locale: 'en-US',
      entitlements: [],
      app_permissions: '2248473465835073',
      attachment_size_limit: 10485760,
      authorizing_integration_owners: inGuild ? { '0': channel.guild_id } : { '1': user.id },
      context: inGuild ? 0 : 1,
      data,
      ...(inGuild
        ? {
            guild_id: channel.guild_id,
            guild: { id: channel.guild_id, locale: 'en-US', features: [] },
            guild_locale: 'en-US',
            member: this.state.wireMember(member ?? { user, roles: [] }),
          }
        : { user }),
      ...(message ? { message: this.state.wireMessage(message) } : {}),
    };
    const interaction: FakeInteraction = {
      id,
      token,
      type,
      user,
      channelId,
      payload,
      createdAt: Date.now(),
      sentAt: 0,
      ack: null,
      originalId: message?.id ?? null,
      followups: [],
      refusals: [],
      waiters: [],
    };
    this.all.set(id, interaction);
    this.tokens.set(token, interaction);
    return interaction;
  }

  /** Sends it to the bot (again, for a duplicated delivery); false when no bot is connected. */
  send(interaction: FakeInteraction): boolean {
    interaction.sentAt = performance.now();
    return this.gateway.dispatch('INTERACTION_CREATE', interaction.payload);
  }

  /** Resolves when acknowledged, or with null after `timeoutMs` (default the 3-second deadline + 1 s). */
  acked(interaction: FakeInteraction, timeoutMs = this.ackDeadlineMs + 1000): Promise<InteractionAck | null> {
    if (interaction.ack) return Promise.resolve(interaction.ack);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(interaction.ack), timeoutMs);
      interaction.waiters.push(() => {
        clearTimeout(timer);
        resolve(interaction.ack);
      });
    });
  }

  callback(id: string, token: string, body: Json, query: URLSearchParams): RestReply {
    const interaction = this.all.get(id);
    if (!interaction || interaction.token !== token)
      throw new DiscordError(404, 10062, 'Unknown interaction');
    const ms = performance.now() - interaction.sentAt;
    if (interaction.ack) {
      interaction.refusals.push('already acknowledged');
      throw new DiscordError(400, 40060, 'Interaction has already been acknowledged.');
    }
    if (Date.now() - interaction.createdAt > this.ackDeadlineMs) {
      interaction.refusals.push(`acknowledged after ${Math.round(ms)} ms`);
      throw new DiscordError(404, 10062, 'Unknown interaction');
    }
    const type = Number(body.type);
    const data = (body.data as Json | undefined) ?? null;
    this.validate(interaction, type, data);
    const channel = this.state.channels.get(interaction.channelId)!;
    let messageJson: Json | null = null;
    if (type === 4 || type === 5) {
      const flags = Number(data?.flags ?? 0);
      // A deferral makes the "thinking…" placeholder (flag LOADING, 128) that the edit fills in.
      const created = this.rest.createMessage(
        channel,
        type === 5 ? { content: '' } : (data ?? {}),
        {
          interactionId: interaction.id,
          webhook_id: this.state.applicationId,
          application_id: this.state.applicationId,
          ...(flags & 64 ? { visibleTo: interaction.user.id } : {}),
          flags: type === 5 ? flags | 128 : flags,
        },
        type === 5 ? 'edit' : 'interaction',
      );
      interaction.originalId = String(created.id);
      messageJson = created;
    } else if (type === 7 && interaction.originalId) {
      const message = this.state.findMessage(interaction.originalId);
      if (message) messageJson = this.rest.editMessage(message, data ?? {});
    }
    const clicked =
      type === 6 && interaction.originalId ? this.state.findMessage(interaction.originalId) : undefined;
    interaction.ack = { type, data, ms, ...(clicked ? { editedBefore: clicked.edited_timestamp } : {}) };
    for (const wake of interaction.waiters.splice(0)) wake();
    if (query.get('with_response') === 'true')
      return {
        status: 200,
        body: {
          interaction: { id, type: interaction.type, response_message_id: interaction.originalId },
          resource: { type, ...(messageJson ? { message: messageJson } : {}) },
        },
      };
    return { status: 204 };
  }

  private validate(interaction: FakeInteraction, type: number, data: Json | null): void {
    const problems = callbackProblems(interaction.type, type, data);
    if (problems.length) {
      interaction.refusals.push(problems.join('; '));
      throw new DiscordError(400, 50035, 'Invalid Form Body', problems);
    }
  }

  /**
   * The modal a callback opened, filled in as a person's client would: `values` by custom id (a
   * text, or the chosen option values of a select or radio group). Checks what the client checks
   * (required fields, lengths, options that exist) and answers in the shape Discord sends: labels
   * holding their component, text displays by id, legacy action rows of text inputs.
   */
  modalSubmission(from: FakeInteraction, values: Record<string, string | string[]>): Json {
    const modal = from.ack?.type === 9 ? from.ack.data : null;
    if (!modal) throw new Error('fake-discord: that interaction did not open a modal');
    const inputs = modalInputs(modal);
    let nextId = 1;
    const answer = (input: Json): Json => {
      const id = String(input.custom_id);
      const given = values[id];
      const name = String(input.label ?? id);
      if (input.type === 4) {
        const value = Array.isArray(given) ? given.join('') : (given ?? '');
        if (input.required !== false && value.length === 0)
          throw new Error(`fake-discord: "${name}" is required; Discord's client would not submit`);
        if (typeof input.max_length === 'number' && value.length > input.max_length)
          throw new Error(`fake-discord: "${name}" allows ${input.max_length} characters`);
        if (typeof input.min_length === 'number' && value.length > 0 && value.length < input.min_length)
          throw new Error(`fake-discord: "${name}" needs ${input.min_length} characters`);
        return { type: 4, id: nextId++, custom_id: id, value };
      }
      const chosen = given === undefined ? [] : Array.isArray(given) ? given : [given];
      const options = new Set(((input.options ?? []) as Json[]).map((o) => String(o.value)));
      for (const v of chosen)
        if (!options.has(v)) throw new Error(`fake-discord: "${name}" has no option ${v}`);
      if (input.required !== false && chosen.length === 0)
        throw new Error(`fake-discord: "${name}" is required; Discord's client would not submit`);
      if (input.type === 21) {
        if (chosen.length > 1) throw new Error(`fake-discord: "${name}" takes one option`);
        return { type: 21, id: nextId++, custom_id: id, value: chosen[0] ?? null };
      }
      const max = input.max_values === undefined ? 1 : Number(input.max_values);
      const min = input.min_values === undefined ? 1 : Number(input.min_values);
      if (chosen.length > max || (chosen.length > 0 && chosen.length < min))
        throw new Error(`fake-discord: "${name}" takes ${min} to ${max} options`);
      return { type: Number(input.type), id: nextId++, custom_id: id, values: chosen };
    };
    for (const key of Object.keys(values))
      if (!inputs.some((i) => i.custom_id === key))
        throw new Error(`fake-discord: the modal has no field "${key}"`);
    const components = ((modal.components ?? []) as Json[]).map((c) => {
      if (c.type === 18) return { type: 18, id: nextId++, component: answer(c.component as Json) };
      if (c.type === 10) return { type: 10, id: nextId++ };
      return { type: 1, id: nextId++, components: ((c.components ?? []) as Json[]).map(answer) };
    });
    return { custom_id: modal.custom_id, components };
  }
}
