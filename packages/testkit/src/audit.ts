/**
 * What the fakes saw that the real platforms would refuse or regret: a request refused for breaking a
 * documented rule (an invalid form body, an invalid block), and a message that would notify someone
 * nobody chose to notify (a mention parsed out of text people wrote). Every fake Discord and fake
 * Slack started in a test process reports here; `audit-setup.ts` fails the test that caused one, so
 * no test in the repository passes while making a request the platforms would refuse.
 *
 * Outcomes that depend on the platform's state rather than on the request (an archived thread, an
 * interaction acknowledged twice, an expired trigger, a rate limit) are protocol the apps handle,
 * not violations. A test that provokes a refusal on purpose (a fake's own tests) says so with
 * `allow`.
 */

export interface Violation {
  platform: 'discord' | 'slack';
  /** refused: a documented rule broken; ping: someone notified nobody chose; text: words cut inside a character. */
  kind: 'refused' | 'ping' | 'text';
  /** "POST /channels/123/messages", "chat.postMessage" */
  request: string;
  problems: string[];
}

export class AuditLog {
  private readonly found: Violation[] = [];
  private readonly allowed: RegExp[] = [];
  closed = false;

  constructor(readonly platform: Violation['platform']) {
    live.add(this);
  }

  record(kind: Violation['kind'], request: string, problems: string[]): void {
    const violation: Violation = { platform: this.platform, kind, request, problems };
    if (this.allowed.some((pattern) => problems.some((p) => pattern.test(p)) || pattern.test(request)))
      return;
    this.found.push(violation);
  }

  /** Refusals matching `pattern` are expected by this test (it provokes them on purpose). */
  allow(pattern: RegExp = /./): void {
    this.allowed.push(pattern);
  }

  /** Violations since the last `take`. */
  take(): Violation[] {
    return this.found.splice(0);
  }

  peek(): readonly Violation[] {
    return this.found;
  }
}

const live = new Set<AuditLog>();

/** Every violation any fake has seen since the last call; fakes closed since are forgotten after. */
export function takeViolations(): Violation[] {
  const out: Violation[] = [];
  for (const log of live) {
    out.push(...log.take());
    if (log.closed) live.delete(log);
  }
  return out;
}

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Strings in a request that hold half a surrogate pair: text cut inside a character (an emoji, a
 * letter outside the Basic Multilingual Plane), which the platform shows as �. Where they are.
 */
export function brokenText(value: unknown, where = ''): string[] {
  if (typeof value === 'string')
    return LONE.test(value) ? [`${where || 'text'}: half of a character (shows as �)`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => brokenText(v, `${where}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      brokenText(v, where ? `${where}.${k}` : k),
    );
  return [];
}

/** A readable account of violations, for a failing test's message. */
export function describeViolations(violations: readonly Violation[]): string {
  return violations
    .map(
      (v) =>
        `${v.platform} ${v.kind === 'ping' ? 'would notify' : 'refused'} ${v.request}: ${v.problems.join('; ')}`,
    )
    .join('\n');
}
