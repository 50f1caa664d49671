// Read models for `stocksync status` and `stocksync sku`: what an operator looks at.
import type { Queryable } from './db.js';
import { connectionPauses, type ConnectionPause } from './connection-pauses.js';
import { loweringLatencyStats } from './lowering-latencies.js';
import { subscriptionHealth, type SubscriptionHealth } from './webhook-subscriptions.js';
import { lastRegistrations, type RegistrationRecord } from './webhook-registrations.js';

export interface LastReconciliation {
  id: number;
  trigger: string;
  status: 'running' | 'done' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  checked: number;
  drifted: number;
  driftUnits: number;
  error: string | null;
}

export interface ConnectionStatus {
  id: string;
  kind: 'channel' | 'warehouse';
  platform: string;
  listings: number;
  dirtyListings: number;
  quarantinedListings: number;
  /** Layer 1: the last webhook stored for this connection (connection_activity). */
  lastWebhookAt: Date | null;
  /** Layer 3: the last completed incremental poll. */
  lastPollAt: Date | null;
  /** Layer 4: the last completed reconciliation (connection_activity), and the latest run in any state. */
  lastReconcileAt: Date | null;
  lastReconciliation: LastReconciliation | null;
  /** Layer 2: platform calls that pushed quantities, and listings pushed through them. */
  pushes: { calls: number; listings: number };
  /** Calls the platform answered with a rate limit (429, THROTTLED). */
  throttledCalls: number;
  pushErrors: number;
  /** What was set aside with a reason: refused records, inbox events, listings. */
  quarantine: { records: number; inboxEvents: number; listings: number };
  /** Latest lowerings: target changed -> the channel shows it (ms); null before any. */
  loweringLatencyMs: { count: number; p50: number; p95: number; p99: number } | null;
  /** Listings whose SKU is partitioned now (adaptive buffers). */
  partitionedListings: number;
  /** Paused because the platform refuses our credentials; null while it works. */
  authPause: ConnectionPause | null;
  /** Paused by an operator (the admin API) until resumed; null while it runs. */
  operatorPause: { pausedAt: Date; reason: string } | null;
  /** The platform's webhooks for us as last checked (WooCommerce); null where not checked. */
  webhooks: SubscriptionHealth | null;
  /** The last `stocksync webhooks register` (or start with server.publicUrl); null: never. */
  webhookRegistration: Omit<RegistrationRecord, 'connectionId'> | null;
}

export interface QuarantineCounts {
  /** Rows of the quarantine table: refused at the door, by a poll, a push or a reconciliation. */
  records: number;
  /** Stored webhook events that could not be processed. */
  inboxEvents: number;
  /** Listings a permanent push error took out of dispatch. */
  listings: number;
}

export interface StatusReport {
  connections: ConnectionStatus[];
  skus: number;
  bundles: number;
  listings: number;
  dirtyListings: number;
  openClaims: { count: number; units: number };
  orders: number;
  ordersWithUnknownSku: number;
  incidents: { oversell: number; unknownSku: number; oversoldUnits: number };
  pushes: { calls: number; listings: number };
  throttledCalls: number;
  quarantine: QuarantineCounts;
}

export async function statusReport(q: Queryable): Promise<StatusReport> {
  const { rows: connections } = await q.query<ConnectionStatus>(
    `WITH l AS (
       SELECT connection_id,
              count(*)::int AS listings,
              count(*) FILTER (WHERE dirty AND quarantined_reason IS NULL)::int AS dirty,
              count(*) FILTER (WHERE quarantined_reason IS NOT NULL)::int AS quarantined,
              count(*) FILTER (WHERE partitioned)::int AS partitioned
         FROM listings GROUP BY connection_id),
     qr AS (SELECT connection_id, count(*)::int AS n FROM quarantine WHERE connection_id IS NOT NULL GROUP BY connection_id),
     ib AS (SELECT connection_id, count(*)::int AS n FROM inbox WHERE status = 'quarantined' GROUP BY connection_id),
     rc AS (SELECT DISTINCT ON (connection_id) * FROM reconciliations ORDER BY connection_id, id DESC)
     SELECT c.id, c.kind, c.platform,
            COALESCE(l.listings, 0) AS listings,
            COALESCE(l.dirty, 0) AS "dirtyListings",
            COALESCE(l.quarantined, 0) AS "quarantinedListings",
            COALESCE(l.partitioned, 0) AS "partitionedListings",
            CASE WHEN c.operator_paused_at IS NULL THEN NULL
                 ELSE json_build_object('pausedAt', c.operator_paused_at, 'reason', c.operator_pause_reason) END AS "operatorPause",
            a.last_webhook_at AS "lastWebhookAt",
            a.last_poll_at AS "lastPollAt",
            a.last_reconcile_at AS "lastReconcileAt",
            CASE WHEN rc.id IS NULL THEN NULL ELSE json_build_object(
              'id', rc.id, 'trigger', rc.trigger, 'status', rc.status, 'startedAt', rc.started_at, 'finishedAt', rc.finished_at,
              'checked', rc.checked, 'drifted', rc.drifted, 'driftUnits', rc.drift_units, 'error', rc.error) END AS "lastReconciliation",
            json_build_object('calls', COALESCE(a.push_calls, 0), 'listings', COALESCE(a.pushed_listings, 0)) AS pushes,
            COALESCE(a.throttled, 0)::int AS "throttledCalls",
            COALESCE(a.errors, 0)::int AS "pushErrors",
            json_build_object('records', COALESCE(qr.n, 0), 'inboxEvents', COALESCE(ib.n, 0), 'listings', COALESCE(l.quarantined, 0)) AS quarantine
       FROM connections c
       LEFT JOIN l ON l.connection_id = c.id
       LEFT JOIN connection_activity a ON a.connection_id = c.id
       LEFT JOIN qr ON qr.connection_id = c.id
       LEFT JOIN ib ON ib.connection_id = c.id
       LEFT JOIN rc ON rc.connection_id = c.id
      ORDER BY c.kind, c.id`,
  );
  const latencies = new Map((await loweringLatencyStats(q)).map(({ connectionId, ...stats }) => [connectionId, stats]));
  const pauses = new Map((await connectionPauses(q)).map((p) => [p.connectionId, p]));
  const webhooks = new Map((await subscriptionHealth(q)).map((w) => [w.connectionId, w]));
  const registrations = new Map((await lastRegistrations(q)).map(({ connectionId, ...r }) => [connectionId, r]));
  // json_build_object hands timestamps back as text: make them dates like the other columns.
  for (const c of connections) {
    c.loweringLatencyMs = latencies.get(c.id) ?? null;
    c.authPause = pauses.get(c.id) ?? null;
    c.webhooks = webhooks.get(c.id) ?? null;
    c.webhookRegistration = registrations.get(c.id) ?? null;
    if (c.operatorPause) c.operatorPause = { ...c.operatorPause, pausedAt: new Date(c.operatorPause.pausedAt) };
    const r = c.lastReconciliation as (Omit<LastReconciliation, 'startedAt' | 'finishedAt'> & { startedAt: string; finishedAt: string | null }) | null;
    if (r) c.lastReconciliation = { ...r, startedAt: new Date(r.startedAt), finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt) };
  }
  const { rows } = await q.query(
    `SELECT (SELECT count(*)::int FROM skus) AS skus,
            (SELECT count(*)::int FROM skus WHERE is_bundle) AS bundles,
            (SELECT count(*)::int FROM listings) AS listings,
            (SELECT count(*)::int FROM listings WHERE dirty AND quarantined_reason IS NULL) AS dirty,
            (SELECT count(*)::int FROM claims WHERE state = 'open') AS open_claims,
            (SELECT COALESCE(sum(quantity), 0)::int FROM claims WHERE state = 'open') AS open_units,
            (SELECT count(*)::int FROM orders) AS orders,
            (SELECT count(*)::int FROM orders WHERE has_unknown_sku) AS unknown_orders,
            (SELECT count(*)::int FROM incidents WHERE kind = 'oversell' AND resolved_at IS NULL) AS oversell,
            (SELECT COALESCE(sum(units_short), 0)::int FROM incidents WHERE kind = 'oversell' AND resolved_at IS NULL) AS oversold_units,
            (SELECT count(*)::int FROM incidents WHERE kind = 'unknown_sku' AND resolved_at IS NULL) AS unknown_sku,
            (SELECT COALESCE(sum(push_calls), 0)::int FROM connection_activity) AS push_calls,
            (SELECT COALESCE(sum(pushed_listings), 0)::int FROM connection_activity) AS pushed_listings,
            (SELECT COALESCE(sum(throttled), 0)::int FROM connection_activity) AS throttled,
            (SELECT count(*)::int FROM quarantine) AS quarantine_records,
            (SELECT count(*)::int FROM inbox WHERE status = 'quarantined') AS quarantine_inbox,
            (SELECT count(*)::int FROM listings WHERE quarantined_reason IS NOT NULL) AS quarantine_listings`,
  );
  const r = rows[0];
  return {
    connections,
    skus: r.skus,
    bundles: r.bundles,
    listings: r.listings,
    dirtyListings: r.dirty,
    openClaims: { count: r.open_claims, units: r.open_units },
    orders: r.orders,
    ordersWithUnknownSku: r.unknown_orders,
    incidents: { oversell: r.oversell, unknownSku: r.unknown_sku, oversoldUnits: r.oversold_units },
    pushes: { calls: r.push_calls, listings: r.pushed_listings },
    throttledCalls: r.throttled,
    quarantine: { records: r.quarantine_records, inboxEvents: r.quarantine_inbox, listings: r.quarantine_listings },
  };
}

export interface SkuDetail {
  sku: string;
  name: string | null;
  components: { sku: string; quantity: number }[];
  available: number;
  claimed: number;
  levels: { warehouse: string; location: string; sellable: boolean; onHand: number; allocated: number; available: number; observedAt: Date }[];
}

export async function skuDetail(q: Queryable, sku: string): Promise<SkuDetail | null> {
  const { rows } = await q.query(
    `SELECT s.sku, s.name, st.available, st.claimed,
            COALESCE((SELECT json_agg(json_build_object('sku', component_sku, 'quantity', quantity) ORDER BY component_sku)
                        FROM bundle_components WHERE bundle_sku = s.sku), '[]') AS components,
            COALESCE((SELECT json_agg(json_build_object('warehouse', lo.connection_id, 'location', lo.code, 'sellable', lo.sellable,
                                                        'onHand', sl.on_hand, 'allocated', sl.allocated, 'available', sl.available,
                                                        'observedAt', sl.observed_at) ORDER BY lo.connection_id, lo.code)
                        FROM stock_levels sl JOIN locations lo ON lo.id = sl.location_id WHERE sl.sku = s.sku), '[]') AS levels
       FROM skus s JOIN sku_stock st USING (sku) WHERE s.sku = $1`,
    [sku],
  );
  return (rows[0] as SkuDetail | undefined) ?? null;
}
