// Which file of a folder is the snapshot to read: the names matching the configured glob,
// each stamped with its mtime or the time its name carries, newest first.
import type { CsvFeedOptions } from '../../config/csv-feed.js';
import type { FeedFileInfo } from '../file-feed.js';

export interface FolderEntry {
  name: string;
  mtime: Date;
}

/** `*` and `?` within one name; every other character literal. */
export function globMatcher(glob: string): (name: string) => boolean {
  const body = [...glob].map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${body}$`);
  return (name) => re.test(name);
}

// 20261205T013000Z, 2026-12-05T01:30:00Z, 2026-12-05_01-30-00, 20261205013000, with an optional offset.
const STAMP = /^(\d{4})-?(\d{2})-?(\d{2})[T_ -]?(\d{2})[:-]?(\d{2})[:-]?(\d{2})(Z|[+-]\d{2}:?\d{2})?$/;

/** The time a name's captured text says; a time without a zone is UTC. */
export function timeOfStamp(text: string): Date | null {
  const m = STAMP.exec(text);
  if (!m) return null;
  const zone = m[7] === undefined || m[7] === 'Z' ? 'Z' : m[7].includes(':') ? m[7] : `${m[7].slice(0, 3)}:${m[7].slice(3)}`;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`);
  return Number.isNaN(t) ? null : new Date(t);
}

/** When an entry's snapshot was taken, or null when it is not a stock file. */
export function stampOf(o: Pick<CsvFeedOptions, 'timestamp'>, entry: FolderEntry): Date | null {
  if (o.timestamp === 'mtime') return entry.mtime;
  const m = new RegExp(o.timestamp.filenamePattern).exec(entry.name);
  return m?.[1] === undefined ? null : timeOfStamp(m[1]);
}

/** The newest stock file among the entries (ties: the last name), or null. */
export function newestFile(o: Pick<CsvFeedOptions, 'timestamp' | 'files'>, entries: readonly FolderEntry[]): (FeedFileInfo & { entry: FolderEntry }) | null {
  const matches = globMatcher(o.files);
  let best: (FeedFileInfo & { entry: FolderEntry }) | null = null;
  for (const entry of entries) {
    if (!matches(entry.name)) continue;
    const observedAt = stampOf(o, entry);
    if (observedAt === null) continue;
    const newer = best === null || observedAt > best.observedAt || (observedAt.getTime() === best.observedAt.getTime() && entry.name > best.name);
    if (newer) best = { name: entry.name, observedAt, entry };
  }
  return best;
}
