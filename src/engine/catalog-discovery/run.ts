// One catalogue discovery run: read every connection that can enumerate what it sells,
// page by page, straight into discovered_items; then match and apply in one transaction
// (store/discovery-matching.ts, store/discovery-apply.ts) and recompute targets page by
// page. Nothing the size of the catalogue is held in memory.
//
// A connection that fails mid-read keeps what earlier runs knew of it: nothing of it is
// forgotten or retired on a partial read. The run is then `partial`.
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { Connector, DiscoveredListing, DiscoveredProduct, ListingDiscovery, Page, ProductDiscovery } from '../../connectors/types.js';
import { withTx, type Db } from '../../store/db.js';
import { lockCatalogForSync } from '../../store/catalog.js';
import { bumpCatalogVersion } from '../../store/catalog-version.js';
import { acquireLease, releaseLease } from '../../store/leases.js';
import {
  createDiscoveryRun,
  finishDiscoveryRun,
  forgetUnconfiguredConnections,
  forgetVanishedItems,
  previousDiscoveryRun,
  stageItems,
  type DiscoveryTrigger,
  type StagedItem,
  type VanishedItems,
} from '../../store/discovery-runs.js';
import { matchDiscoveredItems, type ConfigSku } from '../../store/discovery-matching.js';
import { applyDiscoveredListings, applyDiscoveredSkus, releaseDiscoveryHold, skuPage } from '../../store/discovery-apply.js';
import { forgetCatalog } from '../catalog-cache.js';
import { retryOnDeadlock } from '../catalog.js';
import { recomputeSkuTargets } from '../recompute-skus.js';
import { RECONCILE_LEASE_MS, reconcileLease } from '../run-reconciliations.js';
import { reconcileConnection } from '../workers/reconciler.js';
import { skuKey } from '../../domain/sku-keys.js';
import { stagedListing, stagedProduct, uniqueByKey, type NormaliseOptions } from './normalise.js';
import { buildReport, type DiscoveryReport, type ConnectionRead } from './report.js';

export const DISCOVERY_LEASE = 'catalog-discovery';
/** Renewed at every page; a dead runner's lease frees up after this. */
const LEASE_MS = 10 * 60_000;
const RECOMPUTE_PAGE = 1000;

export interface DiscoveryProgress {
  connectionId: string;
  items: number;
  done: boolean;
}

export interface DiscoveryOptions {
  db: Db;
  /** Every configured connection; those that cannot enumerate are reported as skipped. */
  connectors: ReadonlyMap<string, Connector>;
  /** The config's `skus:` (names and spellings win over the platforms'). */
  configSkus: readonly { sku: string; name?: string | null | undefined; components?: readonly unknown[] | undefined }[];
  caseFold: boolean;
  trigger: DiscoveryTrigger;
  onProgress?: (p: DiscoveryProgress) => void;
  /** Items listed in the report's ambiguous, unmatched and changed lists (each). */
  listLimit?: number;
  /** For the warehouse reconciliation that loads the stock of new SKUs. */
  log?: Logger;
}

const SILENT = pino({ level: 'silent' });

export type DiscoveryOutcome = { status: 'ran'; report: DiscoveryReport } | { status: 'busy' };

type Enumerate = (cursor: string | null) => Promise<Page<StagedItem>>;

export function canListListings(c: Connector): c is Connector & ListingDiscovery {
  return c.kind === 'channel' && typeof (c as Partial<ListingDiscovery>).listListings === 'function';
}

export function canListProducts(c: Connector): c is Connector & ProductDiscovery {
  return c.kind === 'warehouse' && typeof (c as Partial<ProductDiscovery>).listProducts === 'function';
}

function enumerator(c: Connector, opts: NormaliseOptions): Enumerate | undefined {
  if (canListListings(c)) {
    return async (cursor) => {
      const page: Page<DiscoveredListing> = await c.listListings(cursor);
      return { items: page.items.map((l) => stagedListing(l, opts)), next: page.next };
    };
  }
  if (canListProducts(c)) {
    return async (cursor) => {
      const page: Page<DiscoveredProduct> = await c.listProducts(cursor);
      return { items: page.items.map((p) => stagedProduct(p, opts)), next: page.next };
    };
  }
  return undefined;
}

export async function runDiscovery(o: DiscoveryOptions): Promise<DiscoveryOutcome> {
  const owner = `discovery:${randomUUID()}`;
  if (!(await acquireLease(o.db, DISCOVERY_LEASE, owner, LEASE_MS))) return { status: 'busy' };
  try {
    return { status: 'ran', report: await runHoldingLease(o, owner) };
  } finally {
    await releaseLease(o.db, DISCOVERY_LEASE, owner);
  }
}

async function runHoldingLease(o: DiscoveryOptions, owner: string): Promise<DiscoveryReport> {
  const normalise: NormaliseOptions = { caseFold: o.caseFold };
  const startedAt = new Date();
  const runId = await createDiscoveryRun(o.db, o.trigger, o.caseFold);
  await forgetUnconfiguredConnections(o.db, [...o.connectors.keys()]);
  const skipped: string[] = [];
  const reads: Promise<ConnectionRead>[] = [];
  for (const [connectionId, connector] of o.connectors) {
    const list = enumerator(connector, normalise);
    if (!list) skipped.push(connectionId);
    // platforms limit each connection on its own: read them side by side
    else reads.push(readConnection(o, runId, owner, connectionId, connector.kind, list));
  }
  const connections = await Promise.all(reads);
  const errors: { connectionId: string; error: string }[] = connections.flatMap((c) =>
    c.error === undefined ? [] : [{ connectionId: c.connectionId, error: c.error }],
  );
  const configSkus: ConfigSku[] = o.configSkus.map((s) => ({
    sku: s.sku,
    key: skuKey(s.sku, normalise) ?? s.sku,
    name: s.name ?? null,
    bundle: (s.components?.length ?? 0) > 0,
  }));

  // running dispatchers update listings meanwhile: a deadlock rolls a transaction back whole
  const skusCreated = await retryOnDeadlock(() =>
    withTx(o.db, async (tx) => {
      await lockCatalogForSync(tx);
      await matchDiscoveredItems(tx, configSkus);
      const created = await applyDiscoveredSkus(tx);
      await bumpCatalogVersion(tx); // bundles may have changed
      return created;
    }),
  );
  // New SKUs have no stock yet: a listing of theirs would push 0 everywhere until the next
  // reconciliation. Their warehouses' stock is read first.
  if (skusCreated > 0) errors.push(...(await loadWarehouseStock(o, owner)));
  const listed = await retryOnDeadlock(() =>
    withTx(o.db, async (tx) => {
      await lockCatalogForSync(tx);
      const result = await applyDiscoveredListings(tx);
      await bumpCatalogVersion(tx);
      return result;
    }),
  );
  const applied = { skusCreated, ...listed };
  forgetCatalog(o.db);
  for (let after: string | null = null; ;) {
    const page = await skuPage(o.db, after, RECOMPUTE_PAGE);
    if (page.length === 0) break;
    await recomputeSkuTargets(o.db, page, RECOMPUTE_PAGE);
    after = page[page.length - 1]!;
  }
  await releaseDiscoveryHold(o.db);
  const unread = connections.filter((c) => !c.complete).length;
  const status = errors.length === 0 ? 'succeeded' : unread === connections.length && unread > 0 ? 'failed' : 'partial';
  const report = await buildReport(o.db, {
    runId,
    status,
    trigger: o.trigger,
    caseFold: o.caseFold,
    startedAt,
    previous: await previousDiscoveryRun(o.db, runId),
    connections,
    skipped,
    errors,
    applied,
    listLimit: o.listLimit ?? 50,
  });
  await finishDiscoveryRun(o.db, runId, status, report.totals, errors);
  return report;
}

/**
 * A full read of every warehouse's levels (its reconciliation, through the ledger), under
 * the connection's reconciliation lease. A warehouse being reconciled by another process
 * right now is left to it. Returns the failures.
 */
async function loadWarehouseStock(o: DiscoveryOptions, owner: string): Promise<{ connectionId: string; error: string }[]> {
  const failures: { connectionId: string; error: string }[] = [];
  for (const [connectionId, connector] of o.connectors) {
    if (connector.kind !== 'warehouse') continue;
    if (!(await acquireLease(o.db, reconcileLease(connectionId), owner, RECONCILE_LEASE_MS))) continue;
    try {
      await reconcileConnection({ db: o.db, log: o.log ?? SILENT, connectionId, connector, trigger: 'manual' });
    } catch (e) {
      failures.push({ connectionId, error: `stock of the new SKUs not read: ${(e as Error).message}` });
    } finally {
      await releaseLease(o.db, reconcileLease(connectionId), owner);
    }
  }
  return failures;
}

async function readConnection(
  o: DiscoveryOptions,
  runId: number,
  owner: string,
  connectionId: string,
  side: 'channel' | 'warehouse',
  list: Enumerate,
): Promise<ConnectionRead> {
  let items = 0;
  let pages = 0;
  try {
    for (let cursor: string | null = null; ;) {
      const page: Page<StagedItem> = await list(cursor);
      await stageItems(o.db, runId, connectionId, uniqueByKey(page.items));
      await acquireLease(o.db, DISCOVERY_LEASE, owner, LEASE_MS);
      items += page.items.length;
      pages++;
      o.onProgress?.({ connectionId, items, done: page.next === null });
      if (page.next === null) break;
      cursor = page.next;
    }
  } catch (e) {
    o.onProgress?.({ connectionId, items, done: true });
    return { connectionId, side, items, pages, complete: false, error: (e as Error).message, vanished: { count: 0, sample: [] } };
  }
  const vanished: VanishedItems = await forgetVanishedItems(o.db, runId, connectionId);
  return { connectionId, side, items, pages, complete: true, vanished };
}
