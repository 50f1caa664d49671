// Full reads (listQuantities) through a bulk operation: the JSONL result is streamed
// line by line from its URL (node readline over the fetch body; never the whole file in
// memory) and handed to the engine page by page, each page saying the moment the
// operation started (asOf, invariant 3). Paged reads remain: for small catalogues, by
// configuration, and whenever the bulk path is unavailable (logged).
import { createInterface, type Interface } from 'node:readline';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { ConnectorError, errorFromStatus } from '../errors.js';
import type { ChannelQuantity, ListingRef, Page } from '../types.js';
import { BulkUnavailable, closing, INVENTORY_BULK_QUERY, poll, runBulkQuery, type BulkSettings, type BulkSignals, type FinishedBulk } from './bulk.js';
import type { ShopifyContext } from './context.js';
import { parseJsonExact } from './json.js';
import { reader, type Json } from './shapes.js';

export type FullReadMode = 'bulk' | 'paged' | 'auto';

export interface FullReadSettings extends BulkSettings {
  mode: FullReadMode;
  /** auto: bulk from this many listings up (fewer: paged, cheaper than an operation's start-up). */
  threshold: number;
  /** Counts per page handed to the engine from the stream. */
  pageSize: number;
}

type Paged = (cursor: string | null) => Promise<Page<ChannelQuantity>>;

const PREFIX = 'bulk:';
/** A session nobody has asked the next page of for this long is closed (its stream freed). */
const IDLE_MS = 10 * 60_000;
const DOWNLOAD_ATTEMPTS = 3;

interface Session {
  op: FinishedBulk;
  location: string;
  lines: AsyncIterator<string> | null;
  close: () => void;
  /** Lines consumed so far: a broken download resumes after them. */
  consumed: number;
  attempts: number;
  /** The last parent (inventory item) line: children follow their parent. */
  parent: { id: string; sku: string | null } | null;
  idle: NodeJS.Timeout | undefined;
}

const r = reader('Shopify bulk result');
/** The object or string itself, checked without building the path an error would name. */
const obj = (v: unknown, path: string, at: (path: string) => string): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : r.obj(v, at(path));
const str = (v: unknown, path: string, at: (path: string) => string): string => (typeof v === 'string' ? v : r.str(v, at(path)));

export function createFullReads(ctx: ShopifyContext, s: FullReadSettings, signals: BulkSignals, paged: Paged, log: Logger) {
  const sessions = new Map<string, Session>();
  let seq = 0;

  function end(id: string) {
    const session = sessions.get(id);
    if (!session) return;
    clearTimeout(session.idle);
    session.close();
    sessions.delete(id);
  }

  async function open(session: Session): Promise<void> {
    session.close();
    let res: Response;
    try {
      // a signed URL: Shopify's storage wants no access token, and must never see ours
      res = await fetch(session.op.url, { signal: signals.signal });
    } catch (e) {
      if (signals.signal.aborted) throw closing();
      throw new ConnectorError('NETWORK', `bulk result download failed: ${(e as Error).message}`);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      // a refused URL: expired (EXPIRED after 7 days) or revoked; the operation says which
      const now = await poll(ctx, session.op.id).catch(() => undefined);
      if (now && now.status !== 'COMPLETED') throw new BulkUnavailable(`bulk result of ${session.op.id} is ${now.status}`, now.status);
      throw errorFromStatus(res.status, `bulk result download answered ${res.status}`);
    }
    const stream = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    const rl: Interface = createInterface({ input: stream, crlfDelay: Infinity });
    stream.on('error', () => {}); // surfaced through the iterator
    session.lines = rl[Symbol.asyncIterator]();
    session.close = () => {
      rl.close();
      stream.destroy();
    };
    for (let skipped = 0; skipped < session.consumed; skipped++) {
      if ((await session.lines.next()).done) throw new ConnectorError('PARSE', `bulk result of ${session.op.id} is shorter on a second download`);
    }
  }

  async function nextLine(session: Session): Promise<string | null> {
    for (;;) {
      try {
        if (!session.lines) await open(session);
        const next = await session.lines!.next();
        if (next.done) return null;
        session.consumed++;
        return next.value;
      } catch (e) {
        if (signals.signal.aborted) throw closing();
        if (e instanceof BulkUnavailable) throw e;
        if (++session.attempts >= DOWNLOAD_ATTEMPTS) {
          throw e instanceof ConnectorError
            ? e
            : new ConnectorError('NETWORK', `bulk result download broke off after ${session.consumed} lines: ${(e as Error).message}`);
        }
        session.lines = null; // a broken stream: download again, after the lines already read
      }
    }
  }

  /** Up to pageSize counts at the connection's location, from the next lines. */
  async function page(id: string, session: Session): Promise<Page<ChannelQuantity>> {
    clearTimeout(session.idle);
    const items: ChannelQuantity[] = [];
    let done = false;
    while (items.length < s.pageSize) {
      const line = await nextLine(session);
      if (line === null) {
        done = true;
        break;
      }
      if (line.trim() === '') continue;
      const item = quantityOf(session, line);
      if (item) items.push(item);
    }
    if (done) end(id);
    else session.idle = setTimeout(() => end(id), IDLE_MS).unref();
    return { items, next: done ? null : `${PREFIX}${id}`, asOf: session.op.startedAt };
  }

  function quantityOf(session: Session, line: string): ChannelQuantity | null {
    // 200,000 lines a full read: the paths an error would name are built only for the error
    const at = (path: string) => `line ${session.consumed}${path}`;
    const row = obj(parseJsonExact(line), '', at);
    const parentId = row['__parentId'];
    if (parentId === undefined) {
      const sku = row['sku'];
      session.parent = { id: str(row['id'], '.id', at), sku: sku == null ? null : str(sku, '.sku', at) };
      if (session.parent.sku) ctx.skuCache.set(session.parent.sku, session.parent.id);
      return null;
    }
    const item = str(parentId, '.__parentId', at);
    const location = str(obj(row['location'], '.location', at)['id'], '.location.id', at);
    if (location !== session.location) return null; // another location's level
    const quantities = row['quantities'];
    if (!Array.isArray(quantities)) r.arr(quantities, at('.quantities'));
    let available: Json | undefined;
    for (let i = 0; i < (quantities as unknown[]).length; i++) {
      const q = (quantities as unknown[])[i];
      const quantity = typeof q === 'object' && q !== null && !Array.isArray(q) ? (q as Json) : r.obj(q, at(`.quantities[${i}]`));
      if (quantity['name'] === 'available') available ??= quantity;
    }
    if (!available) throw new ConnectorError('PARSE', `Shopify bulk result: ${at('')} has no available quantity`);
    const count = available['quantity'];
    const out: ChannelQuantity = {
      // children follow their parent in Shopify's output; a stray one is matched by its ids
      sku: session.parent?.id === item ? (session.parent.sku ?? '') : '',
      platformIds: { inventoryItemId: item, locationId: location },
      quantity: typeof count === 'number' && Number.isSafeInteger(count) ? count : r.int(count, at('.quantities.available')),
    };
    const updatedAt = row['updatedAt'] == null ? null : r.optDate(row['updatedAt'], at('.updatedAt'));
    if (updatedAt) out.updatedAt = updatedAt;
    return out;
  }

  async function startBulk(): Promise<Page<ChannelQuantity>> {
    const location = await ctx.location();
    const op = await runBulkQuery(ctx, s, signals, INVENTORY_BULK_QUERY);
    const id = String(++seq);
    const session: Session = { op, location, lines: null, close: () => {}, consumed: 0, attempts: 0, parent: null, idle: undefined };
    if (op.objectCount === 0 || op.url === '') return { items: [], next: null, asOf: op.startedAt };
    sessions.set(id, session);
    try {
      return await page(id, session);
    } catch (e) {
      end(id);
      throw e;
    }
  }

  return {
    async listQuantities(cursor: string | null, known: readonly ListingRef[]): Promise<Page<ChannelQuantity>> {
      if (cursor !== null && cursor.startsWith(PREFIX)) {
        const id = cursor.slice(PREFIX.length);
        const session = sessions.get(id);
        if (!session)
          throw new ConnectorError('REJECTED', `bulk read ${id} is no longer open (idle too long, or the connector restarted): start the read again`);
        try {
          return await page(id, session);
        } catch (e) {
          end(id);
          throw e;
        }
      }
      if (cursor !== null || s.mode === 'paged' || (s.mode === 'auto' && known.length < s.threshold)) return paged(cursor);
      try {
        return await startBulk();
      } catch (e) {
        // refused credentials fail paged reads too, and the engine pauses on them; a shutdown is a shutdown
        if (signals.signal.aborted || (e instanceof ConnectorError && e.connectorCode === 'AUTH')) throw e;
        log.warn({ connection: ctx.connectionId, err: (e as Error).message }, 'Shopify bulk read unavailable: reading page by page instead');
        return paged(null);
      }
    },
    /** Open downloads are dropped (the connector is closing). */
    close() {
      for (const id of [...sessions.keys()]) end(id);
    },
  };
}
