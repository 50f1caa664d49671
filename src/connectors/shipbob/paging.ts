// Inventory levels, page by page, following ShipBob's `next` links. The cursor we hand
// the engine is that link (a path below the API root), checked before it is followed.
import { ConnectorError } from '../errors.js';
import type { Page, WarehouseLevel } from '../types.js';
import { getLink, type Api } from './api.js';
import { pagedItems, parseError } from './json.js';
import type { LevelMemory } from './level-memory.js';
import { answerTime, centerLevels, totalsOf, wholeLevel } from './levels.js';

export interface ListingDeps {
  api: Api;
  pageSize: number;
  /** Report the whole 3PL as this one location (one call a page instead of two). */
  forcedLocation?: string;
  memory: LevelMemory;
}

function checkedLink(d: ListingDeps, cursor: string): string {
  const link = d.api.link(cursor);
  if (!link.startsWith(`/${d.api.version}/inventory-level`)) throw parseError(`not an inventory cursor: ${cursor.slice(0, 60)}`);
  return link;
}

async function fetchPage(d: ListingDeps, cursor: string | null): Promise<Page<WarehouseLevel>> {
  const first = `/${d.api.version}/inventory-level${d.forcedLocation === undefined ? '/locations' : ''}?PageSize=${d.pageSize}`;
  const res = await getLink(d.api, { link: cursor === null ? first : checkedLink(d, cursor) });
  const page = pagedItems(res.json<unknown>(), 'inventory level');
  const next = page.next === null ? null : d.api.link(page.next);
  let observedAt = answerTime(res.headers);
  if (d.forcedLocation !== undefined) {
    const forcedLocation = d.forcedLocation;
    return { items: page.items.map((row) => wholeLevel(totalsOf(row), { forcedLocation, observedAt })), next };
  }
  // Per-center rows lack the sellable quantity (ShipBob computes it network-wide only):
  // read the same items' totals too.
  const ids = page.items.map((row) => String((row as { inventory_id?: unknown })?.inventory_id));
  const totals = new Map<string, ReturnType<typeof totalsOf>>();
  if (ids.length > 0) {
    const t = await d.api.call('GET', `/inventory-level?${new URLSearchParams({ InventoryIds: ids.join(','), PageSize: String(Math.max(ids.length, 1)) })}`);
    for (const row of pagedItems(t.json<unknown>(), 'inventory level').items) {
      const parsed = totalsOf(row);
      totals.set(parsed.inventoryId, parsed);
    }
    // The earlier of the two reads: neither may claim to be later than it is.
    const t2 = answerTime(t.headers);
    if (t2 < observedAt) observedAt = t2;
  }
  const items = page.items.flatMap((row, i) => centerLevels(row, totals.get(ids[i]!), { observedAt }));
  return { items, next };
}

/** Every level, page by page (full reconciliation). */
export function listLevels(d: ListingDeps, pageCursor: string | null): Promise<Page<WarehouseLevel>> {
  return fetchPage(d, pageCursor);
}

/**
 * Layer 3. ShipBob has no changed-since filter on inventory (and no inventory webhook):
 * every poll is a full paged read, and the connector's memory of what it last reported
 * turns it into "what changed" (level-memory.ts). `since` cannot be passed to ShipBob.
 */
export async function pollLevels(d: ListingDeps, since: Date, pageCursor: string | null): Promise<Page<WarehouseLevel>> {
  if (Number.isNaN(since.getTime())) throw new ConnectorError('REJECTED', 'shipbob: pollLevels needs a valid since');
  d.memory.confirm(pageCursor, since);
  const page = await fetchPage(d, pageCursor);
  return { items: d.memory.changed(page.items, page.next, since), next: page.next };
}
