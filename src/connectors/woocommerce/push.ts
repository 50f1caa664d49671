// push: WooCommerce has no compare-and-set and no atomic increment, so we read the
// batch's counts, report `stale` for every item whose count is not what the engine
// expected, and write the rest at once in one batch call per collection (invariant 4
// in docs/invariants.md: read-adjust-write in the shortest window the platform allows).
//
// A retryable failure (429, 5xx, timeout) repeats the whole read-check-write round for
// the items still undecided, never the write alone: a write retried after a backoff
// would land on a count read seconds earlier and could overwrite a sale made meanwhile.
import { ConnectorError, errorFromStatus } from '../errors.js';
import { backoffMs } from '../retry.js';
import type { PushItem, PushOutcome } from '../types.js';
import type { WooClient } from './client.js';
import { asArray, asObject, idOf, stockOf, strOf, type Json } from './json.js';
import { collectionPath, groupOf, itemId, readStock, targetOf, type WooTarget } from './reads.js';

export const WOO_MAX_BATCH = 100;

interface Pending {
  index: number;
  item: PushItem;
  target: WooTarget;
  /** A write for it was sent and its fate is unknown (timeout, 5xx). */
  written: boolean;
}

export async function pushBatch(client: WooClient, items: readonly PushItem[]): Promise<PushOutcome[]> {
  if (items.length > WOO_MAX_BATCH) {
    // The store would answer 413 and apply nothing; refuse before sending anything.
    throw new ConnectorError('REJECTED', `WooCommerce takes at most ${WOO_MAX_BATCH} items per push, got ${items.length}`, {
      platformCode: 'woocommerce_rest_request_entity_too_large',
    });
  }
  const outcomes: (PushOutcome | undefined)[] = items.map(() => undefined);
  const fail = (p: { index: number; item: PushItem }, error: ConnectorError) => {
    outcomes[p.index] = { status: 'failed', listingId: p.item.listing.listingId, error };
  };
  let pending: Pending[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    try {
      if (!Number.isSafeInteger(item.quantity) || item.quantity < 0) {
        throw new ConnectorError('REJECTED', `quantity ${item.quantity} for ${item.listing.sku} is not a non-negative integer`);
      }
      const target = targetOf(item.listing);
      // Two writes of one item in one batch: the later would silently win.
      if (seen.has(itemId(target))) throw new ConnectorError('REJECTED', `${item.listing.sku}: the same WooCommerce item twice in one push`);
      seen.add(itemId(target));
      pending.push({ index, item, target, written: false });
    } catch (e) {
      fail({ index, item }, e as ConnectorError);
    }
  });

  for (let round = 0; pending.length > 0; round++) {
    let lastError: ConnectorError | undefined;
    try {
      const counts = await readStock(
        client,
        pending.map((p) => p.target),
        true,
      );
      const toWrite: Pending[] = [];
      for (const p of pending) {
        const id = itemId(p.target);
        const listingId = p.item.listing.listingId;
        if (!counts.has(id)) {
          fail(
            p,
            new ConnectorError('NOT_FOUND', `WooCommerce ${p.target.variationId ? 'variation' : 'product'} ${id} (${p.item.listing.sku}) not found`, {
              status: 404,
            }),
          );
          continue;
        }
        const actual = counts.get(id) ?? null;
        // Our earlier write landed before its answer was lost: done, not a lost compare.
        if (p.written && actual === p.item.quantity) outcomes[p.index] = { status: 'applied', listingId, quantity: actual };
        else if (p.item.expected !== null && actual !== p.item.expected) outcomes[p.index] = { status: 'stale', listingId, actual };
        // Nothing to change: spare the write (a redone push after a crash is then free).
        else if (actual === p.item.quantity) outcomes[p.index] = { status: 'applied', listingId, quantity: actual };
        else toWrite.push(p);
      }
      lastError = await writeGroups(client, toWrite, outcomes, fail);
    } catch (e) {
      if (!(e instanceof ConnectorError) || !e.retryable) {
        const error = e instanceof ConnectorError ? e : new ConnectorError('PARSE', `WooCommerce push: ${(e as Error).message}`);
        for (const p of pending) if (!outcomes[p.index]) fail(p, error);
        break;
      }
      lastError = e;
    }
    pending = pending.filter((p) => !outcomes[p.index]);
    if (pending.length === 0) break;
    if (round + 1 >= client.retry.attempts) {
      for (const p of pending) fail(p, lastError ?? new ConnectorError('SERVER', 'WooCommerce push: retries exhausted'));
      break;
    }
    const wait = backoffMs(round, client.retry, lastError?.info.retryAfterMs);
    await (client.retry.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(wait);
  }
  return outcomes.map((o, i) => o ?? { status: 'failed', listingId: items[i]!.listing.listingId, error: new ConnectorError('PARSE', 'no outcome') });
}

/**
 * One `POST .../batch` per collection. Decided items get their outcome; items whose
 * write failed retryably stay undecided (marked written) and the error is returned.
 */
async function writeGroups(
  client: WooClient,
  toWrite: Pending[],
  outcomes: (PushOutcome | undefined)[],
  fail: (p: Pending, e: ConnectorError) => void,
): Promise<ConnectorError | undefined> {
  const groups = new Map<string, Pending[]>();
  for (const p of toWrite) groups.set(groupOf(p.target), [...(groups.get(groupOf(p.target)) ?? []), p]);
  let retryable: ConnectorError | undefined;
  for (const [group, ps] of groups) {
    const update = ps.map((p) => ({ id: Number(itemId(p.target)), manage_stock: true, stock_quantity: p.item.quantity }));
    for (const p of ps) p.written = true;
    let response: Json;
    try {
      const { data } = await client.once('POST', `${collectionPath(group)}/batch`, { update });
      response = asObject(data, 'batch response');
    } catch (e) {
      if (e instanceof ConnectorError && e.retryable) {
        retryable = e;
        continue;
      }
      throw e;
    }
    const rows = asArray(response['update'] ?? [], 'batch response.update').map((r, i) => asObject(r, `batch response.update[${i}]`));
    const byId = new Map(rows.map((r) => [idOf(r['id'] ?? 0, 'batch row id'), r]));
    for (const p of ps) {
      const row = byId.get(itemId(p.target));
      const listingId = p.item.listing.listingId;
      if (!row) {
        fail(p, new ConnectorError('PARSE', `WooCommerce batch answered nothing for item ${itemId(p.target)}`));
        continue;
      }
      if (row['error'] !== undefined) {
        const err = itemError(asObject(row['error'], 'batch row error'), p.item.listing.sku);
        if (err.retryable) retryable = err;
        else fail(p, err);
        continue;
      }
      const shown = stockOf(row, `product ${itemId(p.target)}`);
      if (shown === p.item.quantity) outcomes[p.index] = { status: 'applied', listingId, quantity: shown };
      else
        fail(p, new ConnectorError('PARSE', `WooCommerce answered stock_quantity ${String(shown)} for ${p.item.listing.sku} after writing ${p.item.quantity}`));
    }
  }
  return retryable;
}

/** `{code, message, data: {status}}` of one batch item, classified like an HTTP answer. */
function itemError(error: Json, sku: string): ConnectorError {
  const data = typeof error['data'] === 'object' && error['data'] !== null ? (error['data'] as Json) : {};
  const status = typeof data['status'] === 'number' ? data['status'] : 400;
  const code = strOf(error['code']);
  const base = errorFromStatus(status, `WooCommerce refused ${sku}: ${code} ${strOf(error['message'])}`.trim());
  return new ConnectorError(base.connectorCode, base.message, { status, ...(code && { platformCode: code }) });
}
