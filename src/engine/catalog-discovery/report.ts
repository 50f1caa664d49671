// The report of a discovery run: what was read from each connection, matched, unmatched
// on each side, ambiguous (with the reason: those listings are never pushed), and what
// changed since the last run. The CLI prints it as a table or JSON.
import type { Db } from '../../store/db.js';
import type { AppliedDiscovery } from '../../store/discovery-apply.js';
import type { DiscoveryRunStatus, DiscoveryTrigger, VanishedItems } from '../../store/discovery-runs.js';
import { changedItems, countsByConnection, itemsWithStatus, type ConnectionCounts, type ItemLine } from '../../store/discovery-report.js';

export interface ConnectionRead {
  connectionId: string;
  side: 'channel' | 'warehouse';
  /** Items read in this run. */
  items: number;
  pages: number;
  /** Every page was read: only then is what it no longer lists forgotten. */
  complete: boolean;
  error?: string;
  vanished: VanishedItems;
}

export interface DiscoveryTotals {
  matched: number;
  unmatchedChannel: number;
  unmatchedWarehouse: number;
  ambiguous: number;
  overridden: number;
  byBarcode: number;
  added: number;
  changed: number;
  removed: number;
  listingsCreated: number;
  listingsRetired: number;
  skusCreated: number;
}

export interface DiscoveryReport {
  runId: number;
  status: DiscoveryRunStatus;
  trigger: DiscoveryTrigger;
  caseFold: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The run the "changed" numbers compare with; null on the first run. */
  previousRun: { id: number; finishedAt: string | null } | null;
  connections: (Omit<ConnectionRead, 'vanished'> & Omit<ConnectionCounts, 'connectionId' | 'side'> & { removed: number })[];
  /** Connections whose platform cannot enumerate its catalogue (manual, ...). */
  skipped: string[];
  /** What failed: a connection's read, or the stock read of new SKUs. */
  errors: { connectionId: string; error: string }[];
  totals: DiscoveryTotals;
  ambiguous: ItemLine[];
  unmatched: ItemLine[];
  overridden: ItemLine[];
  changes: (ItemLine & { change: 'added' | 'changed' })[];
  removed: VanishedItems['sample'];
  retiredListings: AppliedDiscovery['retiredSample'];
}

export interface ReportInput {
  runId: number;
  status: DiscoveryRunStatus;
  trigger: DiscoveryTrigger;
  caseFold: boolean;
  startedAt: Date;
  previous: { id: number; finishedAt: Date | null } | null;
  connections: ConnectionRead[];
  skipped: string[];
  errors: { connectionId: string; error: string }[];
  applied: AppliedDiscovery;
  listLimit: number;
}

const ZERO_COUNTS = { matched: 0, unmatched: 0, ambiguous: 0, overridden: 0, byBarcode: 0, added: 0, changed: 0 };

export async function buildReport(db: Db, r: ReportInput): Promise<DiscoveryReport> {
  const counts = new Map((await countsByConnection(db, r.runId)).map((c) => [c.connectionId, c]));
  const connections = r.connections.map(({ vanished, ...read }) => {
    const c = counts.get(read.connectionId);
    const { connectionId: _id, side: _side, ...numbers } = c ?? { connectionId: '', side: read.side, ...ZERO_COUNTS };
    return { ...read, ...numbers, removed: vanished.count };
  });
  const sum = (pick: (c: (typeof connections)[number]) => number) => connections.reduce((n, c) => n + pick(c), 0);
  const finishedAt = new Date();
  return {
    runId: r.runId,
    status: r.status,
    trigger: r.trigger,
    caseFold: r.caseFold,
    startedAt: r.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - r.startedAt.getTime(),
    previousRun: r.previous && { id: r.previous.id, finishedAt: r.previous.finishedAt?.toISOString() ?? null },
    connections,
    skipped: r.skipped,
    errors: r.errors,
    totals: {
      matched: sum((c) => (c.side === 'channel' ? c.matched : 0)),
      unmatchedChannel: sum((c) => (c.side === 'channel' ? c.unmatched : 0)),
      unmatchedWarehouse: sum((c) => (c.side === 'warehouse' ? c.unmatched : 0)),
      ambiguous: sum((c) => c.ambiguous),
      overridden: sum((c) => c.overridden),
      byBarcode: sum((c) => c.byBarcode),
      added: sum((c) => c.added),
      changed: sum((c) => c.changed),
      removed: sum((c) => c.removed),
      listingsCreated: r.applied.listingsCreated,
      listingsRetired: r.applied.listingsRetired,
      skusCreated: r.applied.skusCreated,
    },
    ambiguous: await itemsWithStatus(db, 'ambiguous', r.listLimit),
    unmatched: await itemsWithStatus(db, 'unmatched', r.listLimit),
    overridden: await itemsWithStatus(db, 'overridden', r.listLimit),
    changes: await changedItems(db, r.runId, r.listLimit),
    removed: r.connections.flatMap((c) => c.vanished.sample).slice(0, r.listLimit),
    retiredListings: r.applied.retiredSample,
  };
}
