// A full reconciliation of connections one after another (layer 4 on demand), as
// `stocksync reconcile` and the demo's first reconciliation run it: warehouses first, so
// the channels are compared with corrected stock, each under the lease the schedule
// takes; a failed connection is reported and the next one still runs.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Connector } from '../connectors/types.js';
import { StocksyncError } from '../errors.js';
import type { Db } from '../store/db.js';
import { acquireLease, releaseLease } from '../store/leases.js';
import { reconcileConnection, type ReconcileReport } from './workers/reconciler.js';

export interface ReconcileRun {
  connectionId: string;
  kind: 'channel' | 'warehouse';
  status: 'done' | 'failed';
  runId: number | null;
  checked: number;
  drifted: number;
  driftUnits: number;
  error: string | null;
  drift: (ReconcileReport['drift'][number] & { direction: 'up' | 'down' })[];
}

/**
 * The lease a reconciliation of one connection holds, whoever runs it (here, or the
 * schedule in runtime/workers.ts); store/reconciliations.ts closeInterruptedReconciliations
 * looks for the same name.
 */
export const reconcileLease = (connectionId: string): string => `reconcile:${connectionId}`;

/** Longer than any reconciliation, so that a live owner never loses the lease mid-run. */
export const RECONCILE_LEASE_MS = 6 * 3_600_000;

/** Connection ids in run order: warehouses first, then channels; NOT_FOUND for an unknown id. */
export function connectionsToReconcile(config: LoadedConfig, only?: string): string[] {
  if (only !== undefined && !config.connections.some((c) => c.id === only)) {
    const known = config.connections.map((c) => c.id).join(', ');
    throw new StocksyncError('NOT_FOUND', `no connection "${only}" in ${config.source} (connections: ${known || 'none'})`);
  }
  const order = (kind: string) => (kind === 'warehouse' ? 0 : 1);
  return config.connections
    .filter((c) => only === undefined || c.id === only)
    .sort((a, b) => order(a.kind) - order(b.kind))
    .map((c) => c.id);
}

export interface ProgressReporter {
  begin(connectionId: string): void;
  update(checked: number, total: number | null): void;
  end(): void;
}

export interface RunReconciliationsDeps {
  db: Db;
  log: Logger;
  connectors: ReadonlyMap<string, Connector>;
  /** In run order (see connectionsToReconcile). */
  ids: readonly string[];
  trigger?: 'manual' | 'schedule';
  progress?: ProgressReporter;
}

/**
 * Reconciles each connection in turn under the same lease the schedule takes, so a
 * scheduled run elsewhere and this one never overlap; a failure is recorded and the
 * next connection still runs.
 */
export async function runReconciliations(d: RunReconciliationsDeps): Promise<ReconcileRun[]> {
  const owner = `${os.hostname()}:${process.pid}:reconcile:${randomUUID().slice(0, 8)}`;
  const runs: ReconcileRun[] = [];
  for (const id of d.ids) {
    const connector = d.connectors.get(id);
    if (!connector) throw new StocksyncError('NOT_FOUND', `no connector for connection ${id}`);
    const base = { connectionId: id, kind: connector.kind, runId: null, checked: 0, drifted: 0, driftUnits: 0, drift: [] };
    const lease = reconcileLease(id);
    if (!(await acquireLease(d.db, lease, owner, RECONCILE_LEASE_MS))) {
      runs.push({ ...base, status: 'failed', error: 'a reconciliation of this connection is already running in another process' });
      continue;
    }
    d.progress?.begin(id);
    try {
      const report = await reconcileConnection({
        db: d.db,
        log: d.log,
        connectionId: id,
        connector,
        trigger: d.trigger ?? 'manual',
        onProgress: (checked, total) => d.progress?.update(checked, total),
      });
      d.progress?.end();
      runs.push({
        ...base,
        status: 'done',
        runId: report.runId,
        checked: report.checked,
        drifted: report.drifted,
        driftUnits: report.driftUnits,
        error: null,
        drift: report.drift.map((r) => ({ ...r, direction: r.units >= 0 ? 'up' : 'down' })),
      });
    } catch (e) {
      d.progress?.end();
      d.log.error({ connection: id, err: (e as Error).message }, 'reconciliation failed');
      runs.push({ ...base, status: 'failed', error: (e as Error).message });
    } finally {
      await releaseLease(d.db, lease, owner);
    }
  }
  return runs;
}
