// Checks that relate one part of the config to another: references to connections and
// SKUs, duplicates, listings against their platform's ids, bundle structure. They read
// the raw YAML and skip whatever is malformed (the schema reports that), so every
// mistake in the file shows up in one run.

import { formatPath, type ConfigIssue, type PathSegment } from './issues.js';
import { platformSpec, takesOrders } from './platforms.js';
import { checkNotifications } from './amazon-notifications.js';
import { csvFeedIssues } from './csv-feed.js';
import { checkSources } from './sources.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const idText = (x: unknown): string | undefined => (typeof x === 'string' ? x.trim() : typeof x === 'number' ? String(x) : undefined);

interface Conn {
  index: number;
  id: string;
  kind: unknown;
  platform: unknown;
  options: Obj;
}

export function crossCheck(raw: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: PathSegment[], message: string) => issues.push({ path: formatPath(path), message });
  const root = isObj(raw) ? raw : {};

  const conns = new Map<string, Conn>();
  list(root.connections).forEach((c, index) => {
    if (!isObj(c)) return;
    const id = str(c.id);
    if (id === undefined) return;
    const first = conns.get(id);
    if (first) add(['connections', index, 'id'], `duplicate connection id ${id} (also connections[${first.index}])`);
    else conns.set(id, { index, id, kind: c.kind, platform: c.platform, options: isObj(c.options) ? c.options : {} });
  });
  // Warehouses that ship our orders: a read-only one (Amazon FBA) is never a channel's fulfilledBy.
  const warehouses = [...conns.values()].filter((c) => c.kind === 'warehouse' && takesOrders(c.platform)).map((c) => c.id);

  const skuIndex = new Map<string, { index: number; bundle: boolean }>();
  list(root.skus).forEach((s, index) => {
    if (!isObj(s)) return;
    const sku = str(s.sku);
    if (sku === undefined) return;
    const first = skuIndex.get(sku);
    if (first) add(['skus', index, 'sku'], `duplicate SKU ${sku} (also skus[${first.index}])`);
    else skuIndex.set(sku, { index, bundle: s.components !== undefined });
  });

  list(root.connections).forEach((c, index) => {
    if (!isObj(c)) return;
    checkCredentials(c, index, add);
    checkNotifications(c, index, add);
    if (c.kind === 'channel') checkChannel(c, index, conns, warehouses, skuIndex, add);
    if (c.kind === 'warehouse') checkLocations(c, index, add);
    if (c.kind === 'warehouse') checkWarehouseSource(c, index, add);
  });
  list(root.skus).forEach((s, index) => {
    if (!isObj(s)) return;
    checkComponents(s, index, skuIndex, add);
  });
  checkListings(root, conns, add);
  checkSources(root, add);
  return issues;
}

type Add = (path: PathSegment[], message: string) => void;

const MANUAL_PLATFORM = 'manual';

function checkChannel(c: Obj, index: number, conns: Map<string, Conn>, warehouses: string[], skus: Map<string, unknown>, add: Add): void {
  // The schema lets a channel leave baseUrl out, for the one platform without an API.
  if (c.baseUrl === undefined && c.platform !== MANUAL_PLATFORM) add(['connections', index, 'baseUrl'], 'required');
  const fulfilledBy = str(c.fulfilledBy);
  if (fulfilledBy !== undefined) {
    const target = conns.get(fulfilledBy);
    if (!target) add(['connections', index, 'fulfilledBy'], `no connection ${fulfilledBy} is defined`);
    else if (target.kind !== 'warehouse') {
      add(['connections', index, 'fulfilledBy'], `${fulfilledBy} is not a warehouse connection`);
    } else if (!takesOrders(target.platform)) {
      add(
        ['connections', index, 'fulfilledBy'],
        `${fulfilledBy} is ${String(target.platform)}, read only: Amazon ships its own (AFN) orders and takes none from stocksync`,
      );
    }
  } else if (c.fulfilledBy === undefined && warehouses.length > 1) {
    add(['connections', index, 'fulfilledBy'], `required when several warehouses are defined (${warehouses.join(', ')})`);
  }
  if (isObj(c.bufferOverrides)) {
    for (const sku of Object.keys(c.bufferOverrides)) {
      if (!skus.has(sku)) add(['connections', index, 'bufferOverrides', sku], `unknown SKU ${sku}`);
    }
  }
}

// Names are checked so a typo (acessToken) fails here, not at the first API call.
function checkCredentials(c: Obj, index: number, add: Add): void {
  const spec = platformSpec(String(c.platform));
  const creds = c.credentials === undefined ? {} : c.credentials;
  if (!spec || spec.kind !== c.kind || !isObj(creds)) return;
  const allowed = [...new Set([...spec.credentialSets.flat(), ...spec.credentialsOptional])];
  const complete = spec.credentialSets.some((set) => set.every((name) => creds[name] !== undefined));
  const [only, ...others] = spec.credentialSets;
  if (!complete && only && others.length === 0) {
    for (const name of only) {
      if (creds[name] === undefined) add(['connections', index, 'credentials', name], `required for ${String(c.platform)}`);
    }
  } else if (!complete) {
    const sets = spec.credentialSets.map((set) => set.join(' + ')).join(', or ');
    add(['connections', index, 'credentials'], `${String(c.platform)} needs ${sets}`);
  }
  for (const name of Object.keys(creds)) {
    if (!allowed.includes(name)) {
      add(
        ['connections', index, 'credentials', name],
        allowed.length === 0 ? `${String(c.platform)} takes no credentials` : `unknown credential for ${String(c.platform)} (allowed: ${allowed.join(', ')})`,
      );
    }
  }
}

const CSV_FEED_PLATFORM = 'csv-feed';

/** A warehouse API has a baseUrl; a csv-feed reads options.source instead (src/config/csv-feed.ts). */
function checkWarehouseSource(c: Obj, index: number, add: Add): void {
  if (c.platform !== CSV_FEED_PLATFORM) {
    if (c.baseUrl === undefined) add(['connections', index, 'baseUrl'], 'required');
    return;
  }
  if (c.baseUrl !== undefined) add(['connections', index, 'baseUrl'], "a csv-feed has no API; give the files' place as options.source");
  for (const issue of csvFeedIssues(c.options ?? {}, isObj(c.credentials) ? c.credentials : {}))
    add(['connections', index, 'options', ...issue.path], issue.message);
}

function checkLocations(c: Obj, index: number, add: Add): void {
  if (!takesOrders(c.platform)) checkReadOnlyLocation(c, index, add);
  const seen = new Map<string, number>();
  list(c.locations).forEach((loc, i) => {
    const id = isObj(loc) ? str(loc.id) : undefined;
    if (id === undefined) return;
    const first = seen.get(id);
    if (first !== undefined) {
      add(['connections', index, 'locations', i, 'id'], `duplicate location id ${id} (also locations[${first}])`);
    } else seen.set(id, i);
  });
}

/** A read-only warehouse (Amazon FBA) reports one place, held by the platform: one external location. */
function checkReadOnlyLocation(c: Obj, index: number, add: Add): void {
  const example = `locations: [{ id: fba, external: true }]`;
  if (c.locations === undefined) {
    add(['connections', index, 'locations'], `required for ${String(c.platform)}: its one location, external (${example})`);
    return;
  }
  const locations = list(c.locations);
  if (locations.length !== 1) add(['connections', index, 'locations'], `${String(c.platform)} has exactly one location (${example})`);
  const first = locations[0];
  if (isObj(first) && first.external !== true) {
    add(['connections', index, 'locations', 0, 'external'], `must be true: ${String(c.platform)}'s stock is held and shipped by Amazon, read only`);
  }
}

function checkComponents(s: Obj, index: number, skus: Map<string, { bundle: boolean }>, add: Add): void {
  const self = str(s.sku);
  const seen = new Set<string>();
  list(s.components).forEach((comp, i) => {
    const sku = isObj(comp) ? str(comp.sku) : undefined;
    if (sku === undefined) return;
    const path = ['skus', index, 'components', i, 'sku'];
    const known = skus.get(sku);
    if (sku === self) add(path, 'a bundle cannot contain itself');
    else if (!known) add(path, `unknown SKU ${sku}`);
    else if (known.bundle) add(path, `${sku} is itself a bundle; bundles cannot be nested`);
    else if (seen.has(sku)) add(path, `${sku} appears twice in this bundle; give it once with the total quantity`);
    seen.add(sku);
  });
}

function checkListings(root: Obj, conns: Map<string, Conn>, add: Add): void {
  // connection id -> platform-id key -> where it was first mapped
  const mapped = new Map<string, Map<string, { sku: string; index: number }>>();
  list(root.skus).forEach((s, index) => {
    if (!isObj(s) || !isObj(s.listings)) return;
    for (const [connId, listing] of Object.entries(s.listings)) {
      const path: PathSegment[] = ['skus', index, 'listings', connId];
      const conn = conns.get(connId);
      if (!conn) {
        add(path, `no connection ${connId} is defined`);
        continue;
      }
      if (conn.kind !== 'channel') {
        add(path, `${connId} is a ${String(conn.kind)} connection; listings belong to channel connections`);
        continue;
      }
      const spec = platformSpec(String(conn.platform));
      if (!spec || !isObj(listing)) continue;
      let fieldsOk = true;
      for (const field of Object.keys(listing)) {
        if (!spec.listingIds.includes(field)) {
          add(
            [...path, field],
            spec.listingIds.length === 0
              ? `a ${String(conn.platform)} listing takes no ids (write {})`
              : `unknown field for a ${String(conn.platform)} listing (allowed: ${spec.listingIds.join(', ')})`,
          );
          fieldsOk = false;
        }
      }
      const sku = str(s.sku) ?? `skus[${index}]`;
      const key = listingKey(spec, listing, conn.options, sku);
      if (!fieldsOk || key === undefined) continue;
      const byKey = mapped.get(connId) ?? new Map<string, { sku: string; index: number }>();
      mapped.set(connId, byKey);
      const first = byKey.get(key);
      if (first) {
        add(path, `same ${String(conn.platform)} ids as SKU ${first.sku} (skus[${first.index}].listings.${connId}); a listing maps to one SKU only`);
      } else byKey.set(key, { sku, index });
    }
  });
}

/**
 * What identifies a listing on its platform, to catch two SKUs mapped to one listing;
 * undefined when the connector will look it up by SKU (distinct SKUs never collide).
 */
function listingKey(
  spec: { listingIds: readonly string[]; listingFromOptions: readonly string[]; listingIdFromSku?: string },
  listing: Obj,
  options: Obj,
  sku: string,
): string | undefined {
  const value = (field: string): string | undefined =>
    idText(listing[field]) ??
    (spec.listingFromOptions.includes(field) ? idText(options[field]) : undefined) ??
    (spec.listingIdFromSku === field ? sku : undefined);
  const primary = spec.listingIds[0];
  if (primary === undefined || value(primary) === undefined) return undefined;
  return spec.listingIds.map((f) => `${f}=${value(f) ?? ''}`).join('&');
}
