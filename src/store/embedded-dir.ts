// What the embedded PostgreSQL may do with its data folder before it starts: initialise an
// absent or empty cluster folder, use an existing cluster, and refuse anything else
// (issue 14, defect 9: a folder that is not a cluster is never deleted). Also the
// superuser's password, generated per data folder (defect 10), and the check that the
// postgres user can reach the folder when we run as root.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StoreError } from './errors.js';

/** What startOwnServer must do with `<dataDir>/pg`. */
export type ClusterState = 'absent' | 'cluster';

/**
 * `absent` when the folder is missing or empty (initdb may create the cluster there),
 * `cluster` when it holds one (PG_VERSION). A non-empty folder without PG_VERSION is
 * somebody's data, or a cluster damaged in a way we cannot judge: refused, never removed.
 */
export function clusterState(clusterDir: string): ClusterState {
  if (existsSync(path.join(clusterDir, 'PG_VERSION'))) return 'cluster';
  if (!existsSync(clusterDir)) return 'absent';
  if (!statSync(clusterDir).isDirectory()) {
    throw new StoreError(
      'DATA_DIR_NOT_CLUSTER',
      `${clusterDir} is a file, not a PostgreSQL cluster folder; stocksync leaves it alone. Move it away, or set database.dataDir to another folder.`,
    );
  }
  const entries = readdirSync(clusterDir);
  if (entries.length === 0) return 'absent';
  const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, ... (${entries.length} entries)` : '');
  throw new StoreError(
    'DATA_DIR_NOT_CLUSTER',
    `${clusterDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION; found: ${shown}). ` +
      'stocksync never deletes it. If it is a cluster whose PG_VERSION was lost, restore it from a backup; ' +
      'otherwise move the folder away (or empty it) so that a new cluster can be created, or set database.dataDir to another folder.',
  );
}

/**
 * initdb runs in a scratch sibling renamed to `pg` once complete: an initdb that dies half
 * way leaves only the scratch folder (ours by its name, removed at the next start), never a
 * half-made `pg` that the next start would have to judge.
 */
export function scratchClusterDir(clusterDir: string): string {
  return `${clusterDir}.initdb-${process.pid}`;
}

export function removeStaleScratchDirs(clusterDir: string): void {
  const parent = path.dirname(clusterDir);
  const prefix = `${path.basename(clusterDir)}.initdb-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && !processExists(pid)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

export function promoteScratchCluster(scratch: string, clusterDir: string): void {
  // An empty `pg` (allowed above) is in the way of the rename.
  if (existsSync(clusterDir)) rmdirSync(clusterDir); // fails, as it should, unless empty
  renameSync(scratch, clusterDir);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The password every data folder had before it got its own (still accepted once, to migrate). */
export const LEGACY_PASSWORD = 'stocksync';
const PASSWORD_FILE = 'pg-password';

/**
 * The superuser password of this data folder: read from `<dataDir>/pg-password` (mode 0600),
 * or generated and written there when missing. `created` says it was just generated.
 */
export function clusterPassword(dataDir: string): { password: string; created: boolean } {
  const file = path.join(dataDir, PASSWORD_FILE);
  if (existsSync(file)) {
    chmodSync(file, 0o600); // a copy restored with a looser mode is tightened again
    return { password: readFileSync(file, 'utf8').trim(), created: false };
  }
  const password = randomBytes(24).toString('base64url');
  // Written before the cluster uses it: a crash after initdb or ALTER ROLE never leaves a
  // password nobody knows.
  try {
    writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process of this data folder wrote it first: theirs is the password.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { password: readFileSync(file, 'utf8').trim(), created: false };
    throw e;
  }
  return { password, created: true };
}

/** The postgres user's ids, when it exists. */
export function postgresUserIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(
      execFileSync('id', ['-u', user], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    );
    const gid = Number(
      execFileSync('id', ['-g', user], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    );
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * As root, PostgreSQL runs as the postgres user, which must be able to enter every folder
 * above the cluster. A data folder under a 0700 home (say /root/app/data) fails in initdb
 * with a bare "permission denied": say which folder blocks it and what to do instead.
 */
export function assertReachableByPostgres(clusterDir: string, user: string): void {
  const ids = postgresUserIds(user);
  for (let dir = path.dirname(clusterDir); ; dir = path.dirname(dir)) {
    const st = statSync(dir);
    const bit = ids && st.uid === ids.uid ? 0o100 : ids && st.gid === ids.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new StoreError(
        'DATA_DIR_UNREACHABLE',
        `embedded PostgreSQL runs as the '${user}' user when stocksync runs as root, and that user cannot enter ${dir} ` +
          `(mode ${mode}, owner uid ${st.uid}), which holds the data folder ${path.dirname(clusterDir)}. ` +
          `Set database.dataDir to a folder it can reach (e.g. /var/lib/stocksync), or allow it in (chmod o+x ${dir}), ` +
          'or run stocksync as a non-root user, or use DATABASE_URL.',
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}
