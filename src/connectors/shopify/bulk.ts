// One bulk query operation, from bulkOperationRunQuery to a result URL: started (waiting
// for a slot while the shop's five are taken), polled with bulkOperation(id:) until it
// ends (a bulk_operations/finish webhook wakes the wait early when this process gets it),
// cancelled when the connector closes. A failure Shopify documents (FAILED with its
// errorCode, CANCELED, EXPIRED, a refused query) is a BulkUnavailable: the caller falls
// back to paged reads.
import { StocksyncError } from '../../errors.js';
import type { ShopifyContext } from './context.js';
import { reader, type Json } from './shapes.js';

export const BULK_RUN = /* GraphQL */ `mutation StocksyncBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status createdAt } userErrors { code field message } }
}`;
export const BULK_POLL = /* GraphQL */ `query StocksyncBulkPoll($id: ID!) {
  bulkOperation(id: $id) { id status errorCode objectCount url partialDataUrl createdAt completedAt }
}`;
export const BULK_CANCEL = /* GraphQL */ `mutation StocksyncBulkCancel($id: ID!) {
  bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } }
}`;
/** A mutation costs 10; the poll is one object. */
export const BULK_RUN_COST = 10;
export const BULK_POLL_COST = 1;

/**
 * Every inventory item with its levels (all locations: the connector keeps its own), one
 * connection nested in another: within Shopify's five connections and two levels.
 */
export const INVENTORY_BULK_QUERY = `{ inventoryItems { edges { node { id sku inventoryLevels { edges { node { location { id } updatedAt quantities(names: ["available"]) { name quantity } } } } } } } }`;

/** Shopify has no bulk result for us this time: read page by page instead. */
export class BulkUnavailable extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'BulkUnavailable';
  }
}

export interface BulkSettings {
  /** Between two polls of a running operation. */
  pollMs: number;
  /** How long to wait for a free slot (LIMIT_REACHED) before giving up on bulk. */
  slotWaitMs: number;
  /** How long an operation may run before it is cancelled and given up on. */
  timeoutMs: number;
}

export interface FinishedBulk {
  id: string;
  url: string;
  objectCount: number;
  /** By our clock, taken just before the run mutation: no item was read earlier. */
  startedAt: Date;
}

const r = reader('Shopify bulk operation answer');

/** Ends waits early: a webhook said an operation finished, or the connector is closing. */
export interface BulkSignals {
  signal: AbortSignal;
  /** Resolves when `finished(id)` is called for this operation (or after ms). */
  wait(id: string | null, ms: number): Promise<void>;
  finished(id: string): void;
}

export function createBulkSignals(signal: AbortSignal): BulkSignals {
  const waiters = new Map<string | null, Set<() => void>>();
  return {
    signal,
    wait(id, ms) {
      return new Promise((resolve, reject) => {
        const set = waiters.get(id) ?? new Set();
        waiters.set(id, set);
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', aborted);
          set.delete(done);
          resolve();
        };
        const aborted = () => {
          clearTimeout(timer);
          set.delete(done);
          reject(closing());
        };
        const timer = setTimeout(done, ms);
        set.add(done);
        if (signal.aborted) aborted();
        else signal.addEventListener('abort', aborted, { once: true });
      });
    },
    finished(id) {
      for (const w of [...(waiters.get(id) ?? []), ...(waiters.get(null) ?? [])]) w();
    },
  };
}

/** Not a ConnectorError: the platform did nothing wrong (connection health stays as it is). */
export const closing = () => new StocksyncError('PLATFORM_RETRYABLE', 'Shopify connector closed: the bulk read was abandoned (shutdown)');

/** Runs a bulk query to its end; throws BulkUnavailable where paged reads should take over. */
export async function runBulkQuery(ctx: ShopifyContext, s: BulkSettings, signals: BulkSignals, query: string): Promise<FinishedBulk> {
  const slotDeadline = Date.now() + s.slotWaitMs;
  for (;;) {
    const startedAt = new Date();
    const data = await ctx.client.call(BULK_RUN, { query }, BULK_RUN_COST, 'background');
    const payload = r.obj(data['bulkOperationRunQuery'], 'data.bulkOperationRunQuery');
    const errors = r.arr(payload['userErrors'], 'data.bulkOperationRunQuery.userErrors') as Json[];
    if (errors.length === 0) {
      const op = r.obj(payload['bulkOperation'], 'data.bulkOperationRunQuery.bulkOperation');
      return await follow(ctx, s, signals, r.str(op['id'], 'bulkOperation.id'), startedAt);
    }
    const code = String(errors[0]!['code'] ?? '');
    const message = errors.map((e) => String(e['message'])).join('; ');
    // the shop's five slots are taken (by our own earlier runs, or other connections of this app)
    if ((code === 'LIMIT_REACHED' || code === 'OPERATION_IN_PROGRESS') && Date.now() < slotDeadline) {
      await signals.wait(null, s.pollMs);
      continue;
    }
    throw new BulkUnavailable(`bulkOperationRunQuery refused (${code || 'no code'}): ${message}`, code || 'REFUSED');
  }
}

async function follow(ctx: ShopifyContext, s: BulkSettings, signals: BulkSignals, id: string, startedAt: Date): Promise<FinishedBulk> {
  const deadline = Date.now() + s.timeoutMs;
  try {
    for (;;) {
      const op = await poll(ctx, id);
      if (op.status === 'COMPLETED') {
        // an operation that found nothing has no file
        if (op.url === null && op.objectCount > 0) throw new BulkUnavailable(`bulk operation ${id} completed without a result URL`, 'NO_URL');
        return { id, url: op.url ?? '', objectCount: op.objectCount, startedAt };
      }
      if (op.status === 'FAILED' || op.status === 'CANCELED' || op.status === 'EXPIRED') {
        const detail = op.errorCode ? `${op.status} (${op.errorCode})` : op.status;
        throw new BulkUnavailable(`bulk operation ${id} ended ${detail} after ${op.objectCount} objects`, op.errorCode ?? op.status);
      }
      if (Date.now() > deadline) {
        await cancelBulk(ctx, id);
        throw new BulkUnavailable(`bulk operation ${id} still ${op.status} after ${s.timeoutMs} ms: cancelled`, 'TOO_SLOW');
      }
      await signals.wait(id, s.pollMs);
    }
  } catch (e) {
    // shutting down while it runs: Shopify would go on reading the shop for nobody
    if (signals.signal.aborted) await cancelBulk(ctx, id).catch(() => {});
    throw e;
  }
}

export interface PolledBulk {
  status: string;
  errorCode: string | null;
  objectCount: number;
  url: string | null;
}

export async function poll(ctx: ShopifyContext, id: string): Promise<PolledBulk> {
  const data = await ctx.client.call(BULK_POLL, { id }, BULK_POLL_COST, 'background');
  if (data['bulkOperation'] == null) throw new BulkUnavailable(`bulk operation ${id} is unknown to Shopify`, 'NOT_FOUND');
  const op = r.obj(data['bulkOperation'], 'data.bulkOperation');
  const count = op['objectCount'];
  return {
    status: r.str(op['status'], 'bulkOperation.status'),
    errorCode: r.optStr(op['errorCode'], 'bulkOperation.errorCode'),
    objectCount: typeof count === 'string' || typeof count === 'number' ? Number(count) : 0,
    url: r.optStr(op['url'], 'bulkOperation.url'),
  };
}

export async function cancelBulk(ctx: ShopifyContext, id: string): Promise<void> {
  await ctx.client.call(BULK_CANCEL, { id }, BULK_RUN_COST);
}
