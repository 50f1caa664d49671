// Aggregate: buffer policies changed at run time through the admin API. They live beside the
// YAML's (connections.buffer_policy, buffer_overrides, rewritten at every start) and win
// over them until removed (store/listings.ts EFFECTIVE_POLICY reads both).
import type { BufferPolicy } from '../domain/types.js';
import type { Queryable } from './db.js';

export interface ChannelBuffers {
  connectionId: string;
  /** The YAML's `buffer`, and the one set through the API (null: the YAML's applies). */
  config: BufferPolicy;
  runtime: BufferPolicy | null;
  overrides: { sku: string; config: BufferPolicy | null; runtime: BufferPolicy | null }[];
}

/** Every channel's buffer policies and overrides (or one channel's), both sources side by side. */
export async function channelBuffers(q: Queryable, connectionId: string | null): Promise<ChannelBuffers[]> {
  const { rows } = await q.query<ChannelBuffers>({
    name: 'runtime_buffers_list',
    text: `SELECT c.id AS "connectionId", c.buffer_policy AS config, c.buffer_policy_runtime AS runtime,
                  COALESCE((SELECT json_agg(json_build_object('sku', x.sku, 'config', x.config, 'runtime', x.runtime) ORDER BY x.sku)
                              FROM (SELECT COALESCE(o.sku, r.sku) AS sku, o.policy AS config, r.policy AS runtime
                                      FROM (SELECT sku, policy FROM buffer_overrides WHERE connection_id = c.id) o
                                      FULL JOIN (SELECT sku, policy FROM runtime_buffer_overrides WHERE connection_id = c.id) r
                                        ON r.sku = o.sku) x), '[]') AS overrides
             FROM connections c
            WHERE c.kind = 'channel' AND ($1::text IS NULL OR c.id = $1)
            ORDER BY c.id`,
    values: [connectionId],
  });
  return rows;
}

/** Sets (or with null removes) a channel's runtime policy; false when no such channel. */
export async function setRuntimePolicy(q: Queryable, connectionId: string, policy: BufferPolicy | null): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'runtime_buffers_set_policy',
    text: `UPDATE connections SET buffer_policy_runtime = $2, updated_at = now() WHERE id = $1 AND kind = 'channel'`,
    values: [connectionId, policy === null ? null : JSON.stringify(policy)],
  });
  return (rowCount ?? 0) > 0;
}

export async function setRuntimeOverride(q: Queryable, connectionId: string, sku: string, policy: BufferPolicy): Promise<void> {
  await q.query({
    name: 'runtime_buffers_set_override',
    text: `INSERT INTO runtime_buffer_overrides (connection_id, sku, policy) VALUES ($1, $2, $3)
           ON CONFLICT (connection_id, sku) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now()`,
    values: [connectionId, sku, JSON.stringify(policy)],
  });
}

/** Removes a runtime override; false when there was none. */
export async function removeRuntimeOverride(q: Queryable, connectionId: string, sku: string): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'runtime_buffers_remove_override',
    text: `DELETE FROM runtime_buffer_overrides WHERE connection_id = $1 AND sku = $2`,
    values: [connectionId, sku],
  });
  return (rowCount ?? 0) > 0;
}

/** SKUs listed on a channel (whose targets a change of its policy moves). */
export async function skusListedOn(q: Queryable, connectionId: string): Promise<string[]> {
  const { rows } = await q.query<{ sku: string }>({
    name: 'runtime_buffers_skus_listed',
    text: `SELECT sku FROM listings WHERE connection_id = $1 ORDER BY sku`,
    values: [connectionId],
  });
  return rows.map((r) => r.sku);
}
