// One logger factory for every process role. Secrets are redacted by key wherever they
// appear near the top of a logged object, because connectors log requests, configs and
// errors whose shapes we do not control.

import pino, { type Logger, type LevelWithSilent } from 'pino';
import { invalidInput } from './errors.js';

export type { Logger };

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Keys whose values never reach a log line, at any of the first three levels of nesting. */
const SECRET_KEYS = [
  'accessToken',
  'apiToken',
  'adminToken',
  'token',
  'password',
  'secret',
  'secretKey',
  'webhookSecret',
  'consumerKey',
  'consumerSecret',
  'clientSecret',
  'refreshToken',
  'credentials',
  'authorization',
  'databaseUrl',
];
const SECRET_HEADERS = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  '["x-shopify-access-token"]',
  '["x-api-key"]',
  '["x-amz-access-token"]',
  '["x-wc-webhook-signature"]',
  '["x-shopify-hmac-sha256"]',
];

function atDepths(key: string): string[] {
  const dotted = key.startsWith('[') ? key : `.${key}`;
  return [dotted.replace(/^\./, ''), `*${dotted}`, `*.*${dotted}`];
}

export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap(atDepths),
  ...SECRET_HEADERS.flatMap((h) => atDepths(`headers${h.startsWith('[') ? h : `.${h}`}`)),
  'database.url', // may carry a password; a whole config object gets logged at start
  '*.database.url',
];

export const REDACTED = '[redacted]';

export interface LoggerOptions {
  /** Default: STOCKSYNC_LOG_LEVEL, else info. */
  level?: string;
  /** Bound to every line (e.g. the process role). */
  name?: string;
  /** Where lines go. Default: stderr, so command output on stdout stays parseable. */
  stream?: { write(line: string): unknown };
  /** json (one object a line) or pretty (one readable line). Default: STOCKSYNC_LOG_FORMAT, else pretty on a terminal, json elsewhere. */
  format?: 'json' | 'pretty';
  env?: Record<string, string | undefined>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const level = opts.level ?? env.STOCKSYNC_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level as LevelWithSilent)) {
    throw invalidInput('STOCKSYNC_LOG_LEVEL', `must be one of ${LEVELS.join(', ')} (got ${level})`);
  }
  const format = opts.format ?? formatFromEnv(env.STOCKSYNC_LOG_FORMAT) ?? (opts.stream ? 'json' : defaultFormat());
  const target = opts.stream ?? pino.destination({ dest: 2, sync: true });
  const stream = format === 'pretty' ? prettyStream(target) : target;
  return pino(
    {
      level,
      ...(opts.name !== undefined && { name: opts.name }),
      base: { pid: process.pid },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

function formatFromEnv(value: string | undefined): 'json' | 'pretty' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'json' || value === 'pretty') return value;
  throw invalidInput('STOCKSYNC_LOG_FORMAT', `must be json or pretty (got ${value})`);
}

function defaultFormat(): 'json' | 'pretty' {
  return process.stderr.isTTY ? 'pretty' : 'json';
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** `12:00:01.234 INFO  [name] message key=value ...`: pino's JSON, redacted, made readable. */
export function formatPretty(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 23) : '';
  const level = (LEVEL_NAMES[rec.level as number] ?? String(rec.level)).padEnd(5);
  const name = typeof rec.name === 'string' ? ` [${rec.name}]` : '';
  const msg = typeof rec.msg === 'string' ? ` ${rec.msg}` : '';
  const fields = Object.entries(rec)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => ` ${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join('');
  return `${time} ${level}${name}${msg}${fields}\n`;
}

function prettyStream(target: { write(line: string): unknown }): { write(line: string): void } {
  return {
    write(line: string) {
      target.write(formatPretty(line));
    },
  };
}
