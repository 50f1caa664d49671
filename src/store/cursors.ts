// Aggregate: incremental poll cursors per connection and stream (layer 3).
import type { Queryable } from './db.js';

export type Stream = 'orders' | 'inventory';

export interface PollCursor {
  since: Date; // everything up to here is ingested
  pageCursor: string | null; // a sweep interrupted mid-way resumes here
  sweepStarted: Date | null;
}

export async function readCursor(q: Queryable, connectionId: string, stream: Stream): Promise<PollCursor | null> {
  const { rows } = await q.query<PollCursor>(
    `SELECT since, page_cursor AS "pageCursor", sweep_started AS "sweepStarted"
       FROM poll_cursors WHERE connection_id = $1 AND stream = $2`,
    [connectionId, stream],
  );
  return rows[0] ?? null;
}

/** Saves progress inside a sweep: the page to resume from and when the sweep began. */
export async function savePage(q: Queryable, connectionId: string, stream: Stream, since: Date, sweepStarted: Date, pageCursor: string | null): Promise<void> {
  await q.query(
    `INSERT INTO poll_cursors (connection_id, stream, since, page_cursor, sweep_started) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (connection_id, stream) DO UPDATE SET page_cursor = $4, sweep_started = $5, updated_at = now()`,
    [connectionId, stream, since, pageCursor, sweepStarted],
  );
}

/** A sweep finished: everything up to its start is ingested. Never moves backwards. */
export async function completeSweep(q: Queryable, connectionId: string, stream: Stream, sweepStarted: Date): Promise<void> {
  await q.query(
    `INSERT INTO poll_cursors (connection_id, stream, since) VALUES ($1, $2, $3)
     ON CONFLICT (connection_id, stream) DO UPDATE
        SET since = GREATEST(poll_cursors.since, $3), page_cursor = NULL, sweep_started = NULL, updated_at = now()`,
    [connectionId, stream, sweepStarted],
  );
}
