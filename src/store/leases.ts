// Aggregate: leases. One process at a time owns a piece of background work (a
// connection's dispatcher, poller, reconciler); a dead owner's lease expires and another
// process takes over. PostgreSQL is the arbiter, no home-made consensus.
import type { Queryable } from './db.js';

/** Takes or renews the lease; true when `owner` holds it for the next `ttlMs`. */
export async function acquireLease(q: Queryable, name: string, owner: string, ttlMs: number): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'lease_acquire',
    text: `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
           ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
            WHERE leases.owner = EXCLUDED.owner OR leases.expires_at < now()`,
    values: [name, owner, ttlMs],
  });
  return (rowCount ?? 0) > 0;
}

export async function releaseLease(q: Queryable, name: string, owner: string): Promise<void> {
  await q.query({ name: 'lease_release', text: `DELETE FROM leases WHERE name = $1 AND owner = $2`, values: [name, owner] });
}

export interface LeaseHolder {
  name: string;
  owner: string;
  expiresAt: Date;
}

/** Every lease row: who holds what until when (the simulation watches hand-overs with it). */
export async function leaseHolders(q: Queryable): Promise<LeaseHolder[]> {
  const { rows } = await q.query<LeaseHolder>({
    name: 'lease_holders',
    text: `SELECT name, owner, expires_at AS "expiresAt" FROM leases ORDER BY name`,
  });
  return rows;
}
