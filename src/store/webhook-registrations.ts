// Aggregate: the last webhook registration per connection (migration 018), written by
// `stocksync webhooks register` and by the engine's start when server.publicUrl is set.
import type { Queryable } from './db.js';

export interface RegistrationRecord {
  connectionId: string;
  address: string;
  ok: boolean;
  kept: number;
  created: number;
  removed: number;
  failed: number;
  missing: string[];
  error: string | null;
  registeredAt: Date;
}

/**
 * Records a registration's outcome in one statement. A connection the database does not
 * know yet (the engine never started with it) is not recorded: returns false.
 */
export async function recordRegistration(q: Queryable, r: Omit<RegistrationRecord, 'registeredAt'>): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'webhook_registration_record',
    text: `INSERT INTO webhook_registrations AS w (connection_id, address, ok, kept, created, removed, failed, missing, error, registered_at)
           SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, now() FROM connections WHERE id = $1
           ON CONFLICT (connection_id) DO UPDATE SET
             address = EXCLUDED.address, ok = EXCLUDED.ok, kept = EXCLUDED.kept, created = EXCLUDED.created,
             removed = EXCLUDED.removed, failed = EXCLUDED.failed, missing = EXCLUDED.missing, error = EXCLUDED.error,
             registered_at = EXCLUDED.registered_at`,
    values: [r.connectionId, r.address, r.ok, r.kept, r.created, r.removed, r.failed, r.missing, r.error],
  });
  return (rowCount ?? 0) > 0;
}

/** Every connection's last registration, oldest connection id first. */
export async function lastRegistrations(q: Queryable): Promise<RegistrationRecord[]> {
  const { rows } = await q.query<RegistrationRecord>({
    name: 'webhook_registrations_last',
    text: `SELECT connection_id AS "connectionId", address, ok, kept, created, removed, failed, missing, error, registered_at AS "registeredAt"
             FROM webhook_registrations ORDER BY connection_id`,
    values: [],
  });
  return rows;
}
