import { GraphQLError } from 'graphql';
import { MAX_PAGE_SIZE, QUANTITY_NAMES, type QuantityName } from './constants.js';
import { decodeCursor, encodeCursor, gid, gidKey, isoSeconds } from './format.js';
import type { InventoryChange } from './mutations.js';
import { parseSearch, searchPredicate } from './search.js';
import type { Item, Level, Location, Order, ShopState } from './store.js';

/**
 * Turns shop state into the objects graphql-js resolves: plain fields for scalars,
 * functions (called with the field's arguments) for connections and lookups.
 */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  query?: string | null;
  reverse?: boolean | null;
  sortKey?: string | null;
}

/**
 * A bulk operation's read (bulk-query.ts): paging arguments are ignored; the top-level
 * connection yields the next window of rows by id, nested ones all their rows.
 */
export interface BulkScope {
  window?: { afterId: bigint | null; limit: number; lastId?: bigint | null; done?: boolean };
}
/** graphql-js's context value: set only while a bulk operation reads. */
export interface ExecContext {
  bulk?: BulkScope;
}
const nested = (ctx: ExecContext | undefined): BulkScope | undefined => (ctx?.bulk ? {} : undefined);

function bulkConnection<T>(all: readonly T[], idOf: (row: T) => bigint, toNode: (row: T) => unknown, scope: BulkScope) {
  const w = scope.window;
  let rows = all;
  if (w) {
    const after = w.afterId;
    // rows are in ascending id order: the first after the window's start, by bisection
    let lo = 0;
    let hi = all.length;
    while (after !== null && lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idOf(all[mid]!) > after) hi = mid;
      else lo = mid + 1;
    }
    rows = all.slice(lo, lo + w.limit);
    w.done = lo + w.limit >= all.length;
    w.lastId = rows.length > 0 ? idOf(rows[rows.length - 1]!) : after;
  }
  const nodes = rows.map(toNode);
  return {
    edges: rows.map((r, i) => ({ cursor: encodeCursor(idOf(r).toString()), node: nodes[i] })),
    nodes,
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  };
}

/**
 * Cursor pagination. Rows come in ascending id order (Shopify's default sort); with
 * sortValue they are ordered by (sortValue, id), and the cursor carries both, so a
 * row updated after a page was read moves behind the cursor, as on Shopify.
 */
export function connection<T>(
  all: readonly T[],
  idOf: (row: T) => bigint,
  args: PageArgs,
  toNode: (row: T) => unknown,
  sortValue?: (row: T) => number,
  bulk?: BulkScope,
) {
  if (bulk) return bulkConnection(all, idOf, toNode, bulk);
  const size = args.first ?? args.last;
  if (size === undefined || size === null) {
    throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } });
  }
  if (size > MAX_PAGE_SIZE || size < 0) {
    throw new GraphQLError(`The value of the argument \`${args.first != null ? 'first' : 'last'}\` must be between 0 and ${MAX_PAGE_SIZE}.`, {
      extensions: { code: 'BAD_REQUEST' },
    });
  }
  // `last` pages from the end, which is `first` over the reversed order
  const descending = Boolean(args.reverse) !== (args.first == null);
  const cursor = args.first != null ? args.after : args.before;
  const bound = cursor ? decodeCursor(cursor) : undefined;
  const rows = sortValue ? [...all].sort((a, b) => sortValue(a) - sortValue(b) || (idOf(a) < idOf(b) ? -1 : 1)) : all;
  const boundValue = bound && sortValue ? Number(bound.value) : 0;
  // >0 when row sorts after the cursor
  const versusBound = (row: T): number => {
    if (!bound) return 1;
    const byValue = sortValue ? sortValue(row) - boundValue : 0;
    if (byValue !== 0) return byValue;
    const id = idOf(row);
    return id === bound.id ? 0 : id > bound.id ? 1 : -1;
  };
  const page: T[] = [];
  let hasMore = false;
  const n = rows.length;
  for (let i = 0; i < n; i++) {
    const row = rows[descending ? n - 1 - i : i] as T;
    if (bound !== undefined && (descending ? versusBound(row) >= 0 : versusBound(row) <= 0)) continue;
    if (page.length === size) {
      hasMore = true;
      break;
    }
    page.push(row);
  }
  if (args.first == null) page.reverse();
  const edges = page.map((row) => {
    const id = idOf(row).toString();
    return { cursor: encodeCursor(id, sortValue ? String(sortValue(row)) : id), node: toNode(row) };
  });
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: args.first != null ? hasMore : bound !== undefined,
      hasPreviousPage: args.first != null ? bound !== undefined : hasMore,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

export function locationNode(loc: Location) {
  return { id: gid('Location', loc.key), legacyResourceId: loc.key, name: loc.name, isActive: true };
}

export function levelNode(state: ShopState, item: Item, level: Level) {
  const locKey = level.locationId.toString();
  return {
    id: `${gid('InventoryLevel', locKey)}?inventory_item_id=${item.key}`,
    location: () => locationNode(state.locationsByKey.get(locKey)!),
    item: () => itemNode(state, item),
    createdAt: isoSeconds(level.createdAt),
    updatedAt: isoSeconds(level.updatedAt),
    quantities: ({ names }: { names: string[] }) =>
      names.map((name) => {
        if (!QUANTITY_NAMES.includes(name as QuantityName)) {
          throw new GraphQLError(`The quantity name '${name}' is not valid.`, { extensions: { code: 'BAD_REQUEST' } });
        }
        return {
          id: `gid://shopify/InventoryQuantity/${locKey}?inventory_item_id=${item.key}&name=${name}`,
          name,
          quantity: level.q[name as QuantityName],
          updatedAt: isoSeconds(level.updatedAt),
        };
      }),
  };
}

export function itemNode(state: ShopState, item: Item) {
  return {
    id: gid('InventoryItem', item.key),
    legacyResourceId: item.key,
    sku: item.sku,
    tracked: true,
    createdAt: isoSeconds(item.createdAt),
    updatedAt: isoSeconds(item.updatedAt),
    inventoryLevels: (args: PageArgs, ctx?: ExecContext) =>
      connection(
        [...item.levels.values()],
        (l) => l.locationId,
        args,
        (l) => levelNode(state, item, l),
        undefined,
        nested(ctx),
      ),
    inventoryLevel: ({ locationId }: { locationId: string }) => {
      const key = gidKey(locationId, 'Location');
      const level = key === undefined ? undefined : item.levels.get(key);
      return level ? levelNode(state, item, level) : null;
    },
    variant: () => variantNode(state, item),
  };
}

export function variantNode(state: ShopState, item: Item) {
  return {
    id: gid('ProductVariant', item.variantId.toString()),
    legacyResourceId: item.variantId.toString(),
    sku: item.sku,
    barcode: item.barcode,
    title: item.title,
    displayName: `${item.title} - Default Title`,
    createdAt: isoSeconds(item.createdAt),
    updatedAt: isoSeconds(item.updatedAt),
    inventoryItem: () => itemNode(state, item),
  };
}

export function orderNode(order: Order) {
  return {
    id: gid('Order', order.key),
    legacyResourceId: order.key,
    name: `#${order.number}`,
    createdAt: isoSeconds(order.createdAt),
    updatedAt: isoSeconds(order.updatedAt),
    cancelledAt: order.cancelledAt ? isoSeconds(order.cancelledAt) : null,
    retailLocation: order.retailLocation ? locationNode(order.retailLocation) : null,
    lineItems: (args: PageArgs, ctx?: ExecContext) =>
      connection(
        order.lines,
        (l) => l.id,
        args,
        (l) => ({
          id: gid('LineItem', l.id),
          sku: l.sku,
          name: l.sku,
          quantity: l.quantity,
          currentQuantity: order.cancelledAt ? 0 : l.quantity,
        }),
        undefined,
        nested(ctx),
      ),
  };
}

export function changeNodes(state: ShopState, changes: InventoryChange[]) {
  return changes.map((c) => ({
    name: c.name,
    delta: c.delta,
    quantityAfterChange: c.quantityAfterChange,
    item: () => itemNode(state, c.item),
    location: () => locationNode(state.locationsByKey.get(c.locationKey)!),
  }));
}

export function queryRoot(state: ShopState, shop: { name: string; domain: string; timezone: string }) {
  return {
    shop: () => ({ id: gid('Shop', '548380009'), name: shop.name, myshopifyDomain: shop.domain, ianaTimezone: shop.timezone }),
    inventoryItems: (args: PageArgs, ctx?: ExecContext) => {
      const match = searchPredicate(parseSearch(args.query));
      return connection(
        args.query ? state.items.filter(match) : state.items,
        (i) => i.id,
        args,
        (i) => itemNode(state, i),
        undefined,
        ctx?.bulk,
      );
    },
    productVariants: (args: PageArgs) => {
      const match = searchPredicate(parseSearch(args.query));
      return connection(
        state.items.filter(match),
        (i) => i.variantId,
        args,
        (i) => variantNode(state, i),
      );
    },
    inventoryItem: ({ id }: { id: string }) => {
      const key = gidKey(id, 'InventoryItem');
      const item = key === undefined ? undefined : state.itemsByKey.get(key);
      return item ? itemNode(state, item) : null;
    },
    locations: (args: PageArgs, ctx?: ExecContext) => connection(state.locations, (l) => l.id, args, locationNode, undefined, ctx?.bulk),
    location: ({ id }: { id?: string }) => {
      const loc = id === undefined ? state.locations[0] : state.locationsByKey.get(gidKey(id, 'Location') ?? '');
      return loc ? locationNode(loc) : null;
    },
    orders: (args: PageArgs, ctx?: ExecContext) => {
      const match = searchPredicate(parseSearch(args.query));
      const sortValue =
        args.sortKey === 'UPDATED_AT'
          ? (o: Order) => o.updatedAt.getTime()
          : args.sortKey === 'CREATED_AT' || args.sortKey === 'PROCESSED_AT'
            ? (o: Order) => o.createdAt.getTime()
            : undefined;
      // a bulk read goes by id, whatever the sort key
      return ctx?.bulk
        ? connection(state.orders.filter(match), (o) => o.id, args, orderNode, undefined, ctx.bulk)
        : connection(state.orders.filter(match), (o) => o.id, args, orderNode, sortValue);
    },
    order: ({ id }: { id: string }) => {
      const order = state.ordersByKey.get(gidKey(id, 'Order') ?? '');
      return order ? orderNode(order) : null;
    },
  };
}
