// Refused rows of one stock file go to the quarantine with the file's name and line, up to
// a bound per file: a broken export of 100,000 rows must not bury the quarantine, so past
// the bound one record says how many more there were.
import type { Logger } from 'pino';
import type { Db } from '../../store/db.js';
import { insertQuarantine } from '../../store/inbox.js';

export const QUARANTINED_ROWS_PER_FILE = 100;
const MAX_RAW_BYTES = 2_000;

export interface FeedQuarantine {
  refuse(line: number | null, reason: string, raw?: string): Promise<void>;
  /** Rows refused so far (quarantined or not). */
  count(): number;
  /** Writes the summary of what the bound left out, if anything. */
  finish(): Promise<void>;
}

export function feedQuarantine(d: { db: Db; log: Logger; connectionId: string }, fileName: string, limit = QUARANTINED_ROWS_PER_FILE): FeedQuarantine {
  let refused = 0;
  return {
    async refuse(line, reason, raw) {
      refused++;
      if (refused > limit) return;
      const where = line === null ? fileName : `${fileName} line ${line}`;
      await insertQuarantine(d.db, {
        source: 'feed',
        connectionId: d.connectionId,
        reason: `${where}: ${reason}`,
        headers: { file: fileName, ...(line !== null && { line }) },
        ...(raw !== undefined && raw !== '' && { body: Buffer.from(raw, 'utf8').subarray(0, MAX_RAW_BYTES) }),
      });
    },
    count: () => refused,
    async finish() {
      if (refused <= limit) return;
      const more = refused - limit;
      d.log.warn({ connection: d.connectionId, file: fileName, refused }, 'stock file rows refused beyond the quarantine bound');
      await insertQuarantine(d.db, {
        source: 'feed',
        connectionId: d.connectionId,
        reason: `${fileName}: ${more} more refused row(s) not quarantined (the first ${limit} are)`,
        headers: { file: fileName },
      });
    },
  };
}
