// Fuzz: every answer parser of the connector, fed real-shaped answers with one part
// replaced by random JSON (and plain random bodies), never throws anything but a
// ConnectorError and never returns a malformed result.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import { create, type ShopifyConnector } from '../../src/connectors/shopify/index.js';
import type { ListingRef } from '../../src/connectors/types.js';

const cost = { cost: { requestedQueryCost: 10, actualQueryCost: 10, throttleStatus: { maximumAvailable: 1e6, currentlyAvailable: 1e6, restoreRate: 1e5 } } };
const page = { hasNextPage: false, endCursor: null };
const ITEM = 'gid://shopify/InventoryItem/271878346596884015';
const LOC = 'gid://shopify/Location/24826418';

/** A valid answer per operation name. */
const TEMPLATES: Record<string, unknown> = {
  StocksyncPrimaryLocation: { data: { location: { id: LOC } }, extensions: cost },
  StocksyncSet: {
    data: {
      inventorySetQuantities: {
        inventoryAdjustmentGroup: { id: 'g' },
        userErrors: [{ code: 'INVALID_LOCATION', field: ['input', 'quantities', '0', 'locationId'], message: 'm' }],
      },
    },
    extensions: cost,
  },
  StocksyncLevels: { data: { q0: { inventoryLevel: { quantities: [{ quantity: 3 }] } }, q1: null }, extensions: cost },
  StocksyncSkus: { data: { s0: { nodes: [{ id: ITEM, sku: 'A', inventoryLevel: { id: 'l' } }] } }, extensions: cost },
  StocksyncList: {
    data: {
      inventoryItems: { nodes: [{ id: ITEM, sku: 'A', inventoryLevel: { updatedAt: '2026-04-01T00:00:00Z', quantities: [{ quantity: 1 }] } }], pageInfo: page },
    },
    extensions: cost,
  },
  StocksyncOrders: {
    data: {
      orders: {
        nodes: [
          {
            id: 'gid://shopify/Order/1',
            createdAt: '2026-04-01T00:00:00Z',
            updatedAt: '2026-04-01T00:00:00Z',
            cancelledAt: null,
            lineItems: { nodes: [{ sku: 'A', quantity: 1 }], pageInfo: page },
          },
        ],
        pageInfo: page,
      },
    },
    extensions: cost,
  },
  StocksyncAdjust: {
    data: {
      inventoryAdjustQuantities: {
        inventoryAdjustmentGroup: { changes: [{ delta: 1, quantityAfterChange: 4, item: { id: ITEM }, location: { id: LOC } }] },
        userErrors: [],
      },
    },
    extensions: cost,
  },
  StocksyncOrderLines: { data: { order: { lineItems: { nodes: [{ sku: 'B', quantity: 2 }], pageInfo: page } } }, extensions: cost },
};

/** Every path into a JSON value, so one can be replaced. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function replaced(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

describe('shopify answer parsers under fuzz', () => {
  let body: (operation: string) => string = () => '{}';
  let server: ReturnType<typeof createServer>;
  let connector: ShopifyConnector;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const op = /(?:query|mutation) (\w+)/.exec(Buffer.concat(chunks).toString())?.[1] ?? '';
        res.setHeader('content-type', 'application/json');
        res.end(body(op));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    connector = create({
      connectionId: 'fuzz',
      baseUrl: `http://127.0.0.1:${port}`,
      credentials: { accessToken: 't' },
      options: { plan: 'enterprise', retry: { attempts: 1, baseMs: 1, maxMs: 1 } },
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const listings: ListingRef[] = [
    { listingId: 1, sku: 'A', platformIds: { inventoryItemId: ITEM, locationId: LOC } },
    { listingId: 2, sku: 'B', platformIds: {} },
  ];
  const calls: Record<string, () => Promise<unknown>> = {
    push: () => connector.push(listings.map((listing) => ({ listing, quantity: 1, expected: 0 }))),
    adjust: () =>
      connector.adjust(
        listings.slice(0, 1).map((listing) => ({ listing, delta: 1 })),
        'k',
      ),
    read: () => connector.readQuantities(listings),
    resolve: () => connector.resolveListings(listings),
    list: () => connector.listQuantities(null, []),
    poll: () => connector.pollOrders(new Date(0), null),
  };

  function wellFormed(name: string, result: unknown): void {
    const ok = (c: boolean) => expect(c, `${name} returned ${JSON.stringify(result)}`).toBe(true);
    if (name === 'push' || name === 'adjust') {
      const out = result as { status: string; listingId: number }[];
      ok(out.length === (name === 'push' ? 2 : 1) && out.every((o, i) => o.listingId === i + 1 && ['applied', 'stale', 'failed'].includes(o.status)));
    } else if (name === 'read') {
      ok([...(result as Map<number, number>).values()].every(Number.isSafeInteger));
    } else if (name === 'resolve') {
      ok(
        [...(result as Map<number, Record<string, string>>).values()].every(
          (ids) => typeof ids['inventoryItemId'] === 'string' && typeof ids['locationId'] === 'string',
        ),
      );
    } else {
      const p = result as { items: Record<string, unknown>[]; next: unknown };
      ok(Array.isArray(p.items) && (p.next === null || typeof p.next === 'string'));
      for (const item of p.items) {
        if (name === 'list') ok(Number.isSafeInteger(item['quantity']) && typeof item['sku'] === 'string');
        else ok(!Number.isNaN((item['updatedAt'] as Date).getTime()) && Array.isArray(item['lines']));
      }
    }
  }

  async function run(name: string): Promise<void> {
    try {
      wellFormed(name, await calls[name]!());
    } catch (e) {
      if (!(e instanceof ConnectorError)) throw e;
    }
  }

  it('the templates themselves parse', async () => {
    body = (op) => JSON.stringify(TEMPLATES[op] ?? {});
    for (const name of Object.keys(calls)) wellFormed(name, await calls[name]!());
  });

  it('one part of a real-shaped answer replaced by anything', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(calls)), fc.nat(), fc.jsonValue({ maxDepth: 2 }), async (name, pick, value) => {
        body = (op) => {
          const t = TEMPLATES[op] ?? {};
          const all = paths(t);
          return JSON.stringify(replaced(t, all[pick % all.length]!, value));
        };
        await run(name);
      }),
      { numRuns: 300 },
    );
  });

  it('random bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(calls)), fc.oneof(fc.json(), fc.string()), async (name, text) => {
        body = () => text;
        await run(name);
      }),
      { numRuns: 200 },
    );
  });
});
