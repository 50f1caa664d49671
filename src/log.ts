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
  'secretAccessKey', // AWS (the SQS consumer's settings)
  'sqsSecretAccessKey',
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
  // Request and fetch URLs: query-string secrets (Amazon's ?token=) and user-info passwords.
  ...atDepths('url'),
];

export const REDACTED = '[redacted]';

/**
 * Query parameters that carry secrets in URLs we log: Amazon's notification `?token=`, and
 * the keys, signatures and passwords other platforms and callers put there.
 */
const SECRET_QUERY = /token|secret|signature|^sig$|password|passwd|key|auth|credential/i;

/** `url` with the password of its user info and its secret query values replaced by [redacted]. */
export function redactUrlSecrets(url: string): string {
  const withoutPassword = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, `$1:${REDACTED}@`);
  const q = withoutPassword.indexOf('?');
  if (q < 0) return withoutPassword;
  const hash = withoutPassword.indexOf('#', q);
  const query = withoutPassword.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        /* an undecodable name is matched as written */
      }
      return SECRET_QUERY.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${withoutPassword.slice(0, q + 1)}${redacted}${hash < 0 ? '' : withoutPassword.slice(hash)}`;
}

/** A request as logged (Fastify's fields), its URL without secrets. */
export function serializeRequest(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrlSecrets(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** Redaction of paths: `url` fields keep what is not secret, every other path is replaced whole. */
function censor(value: unknown, path: readonly unknown[]): unknown {
  const keys = path.map((k) => String(k)); // wildcard paths may hold symbols
  if (keys[keys.length - 1] === 'url' && typeof value === 'string' && keys[keys.length - 2] !== 'database') return redactUrlSecrets(value);
  return REDACTED;
}

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
      redact: { paths: [...REDACT_PATHS], censor },
      serializers: { req: serializeRequest },
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
