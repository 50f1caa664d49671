// Reads stocksync.yaml: YAML -> schema -> cross-checks -> environment references, every
// mistake collected, then one CONFIG_INVALID error listing them all.

import { open } from 'node:fs/promises';
import path from 'node:path';
import YAML, { LineCounter, type Document } from 'yaml';
import { StocksyncError } from '../errors.js';
import { crossCheck } from './cross-checks.js';
import { parseDuration } from './duration.js';
import { PLATFORMS, takesOrders } from './platforms.js';
import { formatPath, fromZod, parsePath, sortIssues, valueAt, type ConfigIssue, type PathSegment } from './issues.js';
import { configSchema, type ConfigFile, type LoadedConfig } from './schema.js';
import { resolveSecrets, type Env } from './secrets.js';

// scrypt turns the key into an AES key, so a passphrase works; below this it is guessable.
export const MIN_SECRET_KEY_LENGTH = 16;

/**
 * Largest config file read. A real one is a few kilobytes (thousands of SKUs fit well
 * under this); a 50 MB file used to be read and parsed whole (3.1 GB resident).
 */
export const MAX_CONFIG_BYTES = 1_048_576;

export async function loadConfig(file: string, env: Env = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readCapped(file, MAX_CONFIG_BYTES);
  } catch (err) {
    if (err instanceof StocksyncError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new StocksyncError('CONFIG_NOT_FOUND', `config file ${file} not found`, { file });
    }
    throw new StocksyncError('CONFIG_NOT_FOUND', `cannot read config file ${file}: ${(err as Error).message}`, { file });
  }
  return parseConfig(text, env, file);
}

/**
 * The file's text, read up to `max` bytes and refused beyond: read, not trusted from its
 * size, so that a pipe or a device (/dev/zero) is refused too.
 */
async function readCapped(file: string, max: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size > max) throw tooLarge(file, size, max);
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > max) throw tooLarge(file, undefined, max);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

function tooLarge(file: string, size: number | undefined, max: number): StocksyncError {
  const what = size === undefined ? 'more than' : `${size.toLocaleString('en-US')} bytes, over`;
  return new StocksyncError(
    'CONFIG_INVALID',
    `config file ${file} is ${what} the limit of ${max.toLocaleString('en-US')} bytes (1 MB); is it the right file?`,
    {
      file,
      ...(size !== undefined && { size }),
      limit: max,
      issues: [{ path: '(file)', message: `larger than ${max} bytes` }],
    },
  );
}

/** Parses and validates config text; `sourceName` names it in messages (a path or a label). */
export function parseConfig(text: string, env: Env = process.env, sourceName = 'stocksync.yaml'): LoadedConfig {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e): ConfigIssue => {
      const pos = lines.linePos(e.pos[0]);
      const where = ` at line ${pos.line}, column ${pos.col}`;
      return { path: '(yaml)', message: `${e.message.split('\n')[0]}${where}`, line: pos.line };
    });
    throw invalid(sourceName, issues);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // An alias to an anchor that does not exist, or one expanded past the limit: the
    // document parsed but has no value (found by the config fuzz test).
    throw invalid(sourceName, [{ path: '(yaml)', message: (e as Error).message.split('\n')[0]! }]);
  }

  const parsed = configSchema.safeParse(raw);
  const secrets = resolveSecrets(raw, env);
  const issues = [
    ...(parsed.success ? [] : fromZod(parsed.error.issues, raw)),
    ...crossCheck(raw),
    ...secrets.issues,
    ...checkSecretKey(raw, secrets.values),
    ...checkAlertUrls(raw, secrets.values),
  ];
  if (issues.length > 0 || !parsed.success) throw invalid(sourceName, withLines(issues, doc, lines));
  return resolve(withPlatformPollDefaults(parsed.data, raw), secrets.values, sourceName);
}

/** A connection that sets no pollInterval gets its platform's (PlatformSpec.defaultPollInterval), if any. */
function withPlatformPollDefaults(file: ConfigFile, raw: unknown): ConfigFile {
  const given = (i: number): boolean => {
    const c = (raw as { connections?: unknown[] }).connections?.[i];
    return typeof c === 'object' && c !== null && 'pollInterval' in c;
  };
  const connections = file.connections.map((c, i) => {
    const fallback = (PLATFORMS[c.platform] as { defaultPollInterval?: string }).defaultPollInterval;
    return fallback === undefined || given(i) ? c : { ...c, pollInterval: parseDuration(fallback)! };
  });
  return { ...file, connections };
}

function invalid(source: string, issues: ConfigIssue[]): StocksyncError {
  const sorted = sortIssues(issues);
  const n = sorted.length;
  return new StocksyncError('CONFIG_INVALID', `${source}: ${n} problem${n === 1 ? '' : 's'}`, {
    source,
    issues: sorted,
  });
}

function checkSecretKey(raw: unknown, values: Map<string, string | undefined>): ConfigIssue[] {
  const ref = valueAt(raw, ['secretKey']);
  const isMapping = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
  if (!isMapping) return []; // the schema already says the file is not a config
  if (ref === undefined) {
    return valueAt(raw, ['demo']) === true
      ? []
      : [{ path: 'secretKey', message: 'required unless demo: true (it encrypts stored credentials); e.g. secretKey: { env: STOCKSYNC_SECRET_KEY }' }];
  }
  const value = values.get('secretKey');
  if (value !== undefined && value.length < MIN_SECRET_KEY_LENGTH) {
    const name = String(valueAt(ref, ['env']));
    return [{ path: 'secretKey', message: `environment variable ${name} must hold at least ${MIN_SECRET_KEY_LENGTH} characters` }];
  }
  return [];
}

/** A Slack target's URL comes from the environment (it is a credential): check what it holds. */
function checkAlertUrls(raw: unknown, values: Map<string, string | undefined>): ConfigIssue[] {
  const targets = valueAt(raw, ['alerts', 'targets']);
  if (!Array.isArray(targets)) return [];
  return targets.flatMap((t, i): ConfigIssue[] => {
    const path = formatPath(['alerts', 'targets', i, 'url']);
    const value = valueAt(t, ['kind']) === 'slack' ? values.get(path) : undefined;
    if (value === undefined || /^https?:\/\/\S+$/.test(value)) return [];
    return [{ path, message: `environment variable ${String(valueAt(t, ['url', 'env']))} must hold an http:// or https:// URL` }];
  });
}

/** Adds the YAML line of each issue's path (or its nearest existing parent). */
function withLines(issues: ConfigIssue[], doc: Document, lines: LineCounter): ConfigIssue[] {
  return issues.map((issue) => {
    if (issue.line !== undefined) return issue;
    const segs = parsePath(issue.path);
    for (let n = segs.length; n >= 1; n--) {
      const node = doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) return { ...issue, line: lines.linePos(offset).line };
    }
    return issue;
  });
}

function resolve(file: ConfigFile, values: Map<string, string | undefined>, source: string): LoadedConfig {
  const required = (p: PathSegment[]): string => {
    const v = values.get(formatPath(p));
    // resolveSecrets reported an issue for every reference it could not fill.
    if (v === undefined) throw new StocksyncError('CONFIG_INVALID', `${formatPath(p)}: unresolved secret`, { path: formatPath(p) });
    return v;
  };
  // A read-only warehouse (Amazon FBA) ships no order of ours: it is never the one by default.
  const warehouses = file.connections.filter((c) => c.kind === 'warehouse' && takesOrders(c.platform));
  const onlyWarehouse = warehouses.length === 1 ? warehouses[0]?.id : undefined;
  return {
    ...file,
    source,
    server: {
      ...file.server,
      adminToken: file.server.adminToken && required(['server', 'adminToken']),
      metricsToken: file.server.metricsToken && required(['server', 'metricsToken']),
    },
    alerts: {
      ...file.alerts,
      targets: file.alerts.targets.map((t, i) =>
        t.kind === 'webhook' ? { ...t, secret: required(['alerts', 'targets', i, 'secret']) } : { ...t, url: required(['alerts', 'targets', i, 'url']) },
      ),
    },
    database: {
      ...file.database,
      url: file.database.url && values.get('database.url'),
      dataDir: path.resolve(file.database.dataDir),
    },
    secretKey: file.secretKey && required(['secretKey']),
    connections: file.connections.map((c, i) => {
      const credentials = Object.fromEntries(Object.keys(c.credentials).map((k) => [k, required(['connections', i, 'credentials', k])]));
      return c.kind === 'channel' ? { ...c, credentials, fulfilledBy: c.fulfilledBy ?? onlyWarehouse } : { ...c, credentials };
    }),
  };
}
