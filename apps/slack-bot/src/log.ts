import { type Logger, LogLevel } from '@slack/bolt';

/**
 * One-line logs on stderr. Expected failures (a workspace that uninstalled the app, a channel the app
 * is not in, a rate limit) are told in a sentence; a stack is printed only at debug level. Slack
 * tokens never reach a log line: anything shaped like one is masked before printing.
 */

const LEVELS: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SECRET = /\b(xox[abposr]-|xapp-)[A-Za-z0-9-]+/g;

export function redactSecrets(text: string): string {
  return text.replace(SECRET, '$1…');
}

function describe(value: unknown, debug: boolean): string {
  if (value instanceof Error) {
    const data = (value as { data?: { error?: string } }).data;
    const code = data?.error ? ` (${data.error})` : '';
    return debug && value.stack ? `${value.message}${code}\n${value.stack}` : `${value.message}${code}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function createLogger(
  level: keyof typeof LEVELS = 'info',
  write = (line: string) => process.stderr.write(line),
): Logger {
  let current = LEVELS[level] ?? 1;
  let name = 'slack';
  const out =
    (at: string) =>
    (...args: unknown[]) => {
      if ((LEVELS[at] ?? 0) < current) return;
      const text = args.map((a) => describe(a, current === 0)).join(' ');
      write(`${at === 'info' ? '' : `${at}: `}${redactSecrets(text)}\n`);
    };
  return {
    debug: out('debug'),
    info: out('info'),
    warn: out('warn'),
    error: out('error'),
    setLevel(l: LogLevel) {
      current = LEVELS[l] ?? current;
    },
    getLevel: () => (Object.keys(LEVELS).find((k) => LEVELS[k] === current) ?? 'info') as LogLevel,
    setName(n: string) {
      name = n;
      void name;
    },
  };
}

export { LogLevel };
