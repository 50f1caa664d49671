// Resolves environment references ({ env: NAME }) against an environment. Runs on the
// raw YAML, tolerant of any shape, so unset variables are reported together with the
// schema's own issues rather than after the user has fixed those.

import { formatPath, valueAt, type ConfigIssue, type PathSegment } from './issues.js';

export type Env = Record<string, string | undefined>;

/** What an environment variable may be called (shell rules). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface RefSite {
  path: PathSegment[];
  /** Whether `optional: true` is allowed here (the variable may be unset). */
  optionalAllowed: boolean;
}

/** Where the schema puts references; keep in step with schema.ts. */
function refSites(raw: unknown): RefSite[] {
  const sites: RefSite[] = [
    { path: ['server', 'adminToken'], optionalAllowed: false },
    { path: ['database', 'url'], optionalAllowed: true },
    { path: ['secretKey'], optionalAllowed: false },
    { path: ['server', 'metricsToken'], optionalAllowed: false },
  ];
  const targets = valueAt(raw, ['alerts', 'targets']);
  if (Array.isArray(targets)) {
    targets.forEach((t, i) => {
      const kind = valueAt(t, ['kind']);
      if (kind === 'webhook') sites.push({ path: ['alerts', 'targets', i, 'secret'], optionalAllowed: false });
      if (kind === 'slack') sites.push({ path: ['alerts', 'targets', i, 'url'], optionalAllowed: false });
    });
  }
  const connections = valueAt(raw, ['connections']);
  if (Array.isArray(connections)) {
    connections.forEach((conn, i) => {
      const creds = valueAt(conn, ['credentials']);
      if (creds && typeof creds === 'object' && !Array.isArray(creds)) {
        for (const key of Object.keys(creds)) {
          sites.push({ path: ['connections', i, 'credentials', key], optionalAllowed: false });
        }
      }
    });
  }
  return sites;
}

export interface ResolvedSecrets {
  /** Formatted path -> value (undefined: optional and unset). */
  values: Map<string, string | undefined>;
  issues: ConfigIssue[];
}

export function resolveSecrets(raw: unknown, env: Env): ResolvedSecrets {
  const demo = valueAt(raw, ['demo']) === true;
  const values = new Map<string, string | undefined>();
  const issues: ConfigIssue[] = [];
  for (const site of refSites(raw)) {
    const ref = valueAt(raw, site.path);
    // Malformed references (a literal secret, a bad name) are the schema's to report.
    if (ref === null || typeof ref !== 'object') continue;
    const { env: name, default: fallback, optional } = ref as Record<string, unknown>;
    if (typeof name !== 'string' || !ENV_NAME.test(name)) continue;
    const where = formatPath(site.path);
    if (fallback !== undefined && !demo) {
      issues.push({
        path: formatPath([...site.path, 'default']),
        message: 'default values are only allowed when the config sets demo: true (top level); set the environment variable instead',
      });
      continue;
    }
    const value = env[name];
    if (value !== undefined && value !== '') values.set(where, value);
    else if (typeof fallback === 'string') values.set(where, fallback);
    else if (optional === true && site.optionalAllowed) values.set(where, undefined);
    else {
      issues.push({
        path: where,
        message: `environment variable ${name} is ${value === '' ? 'empty' : 'not set'}`,
      });
    }
  }
  return { values, issues };
}
