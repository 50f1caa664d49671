// Aggregate: catalogue discovery runs and the items they read (migration 017). Pages are
// written here as they arrive, so a run's memory does not grow with the catalogue; the
// matching (discovery-matching.ts) works on these rows in SQL.
import type { Queryable } from './db.js';

export type DiscoveryTrigger = 'cli' | 'schedule' | 'start' | 'test' | 'bench';
export type DiscoveryRunStatus = 'succeeded' | 'partial' | 'failed';

/** One item as a platform lists it, normalised for matching (engine/catalog-discovery/normalise.ts). */
export interface StagedItem {
  itemKey: string;
  side: 'channel' | 'warehouse';
  rawSku: string | null;
  skuTrimmed: string | null;
  skuKey: string | null;
  barcode: string | null;
  name: string | null;
  platformIds: Record<string, string>;
  /** A warehouse bundle's parts, each SKU with its matching key. */
  components: { sku: string; key: string; quantity: number }[] | null;
  fingerprint: string;
}

export async function createDiscoveryRun(q: Queryable, trigger: DiscoveryTrigger, caseFold: boolean): Promise<number> {
  const { rows } = await q.query<{ id: string }>({
    name: 'discovery_run_create',
    text: `INSERT INTO discovery_runs (trigger, case_fold) VALUES ($1, $2) RETURNING id`,
    values: [trigger, caseFold],
  });
  return Number(rows[0]!.id);
}

export async function finishDiscoveryRun(q: Queryable, runId: number, status: DiscoveryRunStatus, counts: unknown, errors: unknown[]): Promise<void> {
  await q.query({
    name: 'discovery_run_finish',
    text: `UPDATE discovery_runs SET status = $2, counts = $3, errors = $4, finished_at = now() WHERE id = $1`,
    values: [runId, status, JSON.stringify(counts), JSON.stringify(errors)],
  });
}

/** The run before this one that read something (its counts are the "last run" of a report). */
export async function previousDiscoveryRun(q: Queryable, runId: number): Promise<{ id: number; finishedAt: Date | null } | null> {
  const { rows } = await q.query<{ id: string; finishedAt: Date | null }>({
    name: 'discovery_run_previous',
    text: `SELECT id, finished_at AS "finishedAt" FROM discovery_runs WHERE id < $1 AND status <> 'failed' ORDER BY id DESC LIMIT 1`,
    values: [runId],
  });
  return rows[0] ? { id: Number(rows[0].id), finishedAt: rows[0].finishedAt } : null;
}

/**
 * Upserts one page of a connection's items. An item seen before keeps its first run; its
 * changed run moves only when what the platform says about it (fingerprint) differs.
 */
export async function stageItems(q: Queryable, runId: number, connectionId: string, items: readonly StagedItem[]): Promise<void> {
  if (items.length === 0) return;
  await q.query({
    name: 'discovery_stage_items',
    text: `INSERT INTO discovered_items (connection_id, item_key, side, raw_sku, sku_trimmed, sku_key, barcode, name, platform_ids,
                                         components, fingerprint, first_seen_run, last_seen_run, changed_run)
           SELECT $1, k, s, r, t, sk, b, n, p, c, f, $2, $2, $2
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[], $11::jsonb[], $12::text[])
                  AS u(k, s, r, t, sk, b, n, p, c, f)
           ON CONFLICT (connection_id, item_key) DO UPDATE
              SET side = EXCLUDED.side, raw_sku = EXCLUDED.raw_sku, sku_trimmed = EXCLUDED.sku_trimmed, sku_key = EXCLUDED.sku_key,
                  barcode = EXCLUDED.barcode, name = EXCLUDED.name, platform_ids = EXCLUDED.platform_ids,
                  components = EXCLUDED.components, last_seen_run = $2,
                  changed_run = CASE WHEN discovered_items.fingerprint = EXCLUDED.fingerprint THEN discovered_items.changed_run ELSE $2 END,
                  fingerprint = EXCLUDED.fingerprint`,
    values: [
      connectionId,
      runId,
      items.map((i) => i.itemKey),
      items.map((i) => i.side),
      items.map((i) => i.rawSku),
      items.map((i) => i.skuTrimmed),
      items.map((i) => i.skuKey),
      items.map((i) => i.barcode),
      items.map((i) => i.name),
      items.map((i) => JSON.stringify(i.platformIds)),
      items.map((i) => (i.components ? JSON.stringify(i.components) : null)),
      items.map((i) => i.fingerprint),
    ],
  });
}

export interface VanishedItems {
  count: number;
  /** The first few, for the report. */
  sample: { connectionId: string; sku: string | null; itemKey: string }[];
}

/**
 * Forgets the items a connection no longer lists: called only after every page of it was
 * read in this run (a partial read must not make the rest look gone).
 */
export async function forgetVanishedItems(q: Queryable, runId: number, connectionId: string, sampleSize = 20): Promise<VanishedItems> {
  const { rows } = await q.query<{ count: number; sample: VanishedItems['sample'] | null }>({
    name: 'discovery_forget_vanished',
    text: `WITH gone AS (DELETE FROM discovered_items WHERE connection_id = $1 AND last_seen_run < $2
                        RETURNING connection_id, raw_sku, item_key)
           SELECT count(*)::int AS count,
                  (SELECT json_agg(json_build_object('connectionId', connection_id, 'sku', raw_sku, 'itemKey', item_key))
                     FROM (SELECT * FROM gone ORDER BY item_key LIMIT $3) s) AS sample
             FROM gone`,
    values: [connectionId, runId, sampleSize],
  });
  return { count: rows[0]!.count, sample: rows[0]!.sample ?? [] };
}

/** Forgets what connections no longer configured listed: they must not make listings again. */
export async function forgetUnconfiguredConnections(q: Queryable, configured: readonly string[]): Promise<number> {
  const { rowCount } = await q.query({
    name: 'discovery_forget_unconfigured',
    text: `DELETE FROM discovered_items WHERE NOT (connection_id = ANY($1::text[]))`,
    values: [configured],
  });
  return rowCount ?? 0;
}
