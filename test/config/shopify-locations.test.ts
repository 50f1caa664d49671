// A Shopify connection's `locations` (docs/locations-wiring.md, "Per-location counts"):
// precise errors with paths, and the outlets the catalogue sync stores.
import { describe, expect, it } from 'vitest';
import { configuredOutlets } from '../../src/config/channel-locations.js';
import { catalogFromConfig } from '../../src/engine/catalog-from-config.js';
import { baseDoc, issuesAfter, issuesOf, load, type Doc } from './helpers.js';

const L1 = 'gid://shopify/Location/1';
const L2 = 'gid://shopify/Location/2';

/** Two warehouses, east (main, returns) and west (main), and shop-main mapping two Shopify locations. */
function perLocation(): Doc {
  const d = baseDoc();
  d.connections[1].fulfilledBy = 'wh-main';
  d.connections[2].locations = [{ id: 'main' }, { id: 'returns', sellable: false }];
  d.connections.push({ ...d.connections[2], id: 'wh-west', locations: [{ id: 'main' }] });
  d.connections[0].locations = { [L1]: ['wh-main'], [L2]: ['wh-west/main', 'wh-main'] };
  delete d.skus[0].listings['shop-main'].locationId;
  return d;
}

/** The issues of perLocation() after a change. */
function issuesWith(change: (d: Doc) => void): string[] {
  const d = perLocation();
  change(d);
  return issuesOf(d);
}

describe('Shopify locations', () => {
  it('loads each location with its resolved sources, in configuration order', () => {
    const c = load(perLocation());
    expect(configuredOutlets(c)).toEqual(
      new Map([
        [
          'shop-main',
          [
            { externalId: L1, sources: ['wh-main/main'] },
            { externalId: L2, sources: ['wh-west/main', 'wh-main/main'] },
          ],
        ],
      ]),
    );
    const shop = catalogFromConfig(c).connections.find((x) => x.id === 'shop-main')!;
    expect(shop.outlets).toEqual(configuredOutlets(c).get('shop-main'));
    expect(shop.sources).toBeUndefined();
  });

  it('a config without locations has no outlets', () => {
    const c = load(baseDoc());
    expect(configuredOutlets(c)).toEqual(new Map());
    expect(catalogFromConfig(c).connections.every((x) => x.outlets === undefined)).toBe(true);
  });

  it('reports every wrong source of a location by its path', () => {
    const d = perLocation();
    d.connections[0].locations = { [L1]: ['wh-nowhere', 'wh-main/returns'], [L2]: [] };
    expect(issuesOf(d)).toEqual([
      `connections[0].locations["${L1}"][0]: no warehouse wh-nowhere is defined`,
      `connections[0].locations["${L1}"][1]: wh-main/returns is not sellable`,
      `connections[0].locations["${L2}"]: must name at least one location`,
    ]);
  });

  it('refuses keys that are not Location GIDs, an empty mapping, and values that are not lists', () => {
    expect(issuesWith((d) => (d.connections[0].locations = { '1': ['wh-main'] }))).toEqual([
      'connections[0].locations.1: must be keyed by a Shopify Location GID (gid://shopify/Location/<id>)',
    ]);
    expect(issuesWith((d) => (d.connections[0].locations = {}))).toEqual(['connections[0].locations: must map at least one Shopify location to its sources']);
    expect(issuesWith((d) => (d.connections[0].locations = { [L1]: 'wh-main' }))).toEqual([`connections[0].locations["${L1}"]: must be a list`]);
    expect(issuesWith((d) => (d.connections[0].locations = ['wh-main']))).toEqual([
      'connections[0].locations: must be a mapping of Shopify location GID to a list of sources',
    ]);
  });

  it('only Shopify shows a count per location', () => {
    expect(issuesAfter((d) => (d.connections[1].locations = { [L1]: ['wh-main'] }))).toEqual([
      'connections[1].locations: only a Shopify connection shows a count per location (this one is amazon); use sources',
    ]);
  });

  it('locations exclude sources, a push location outside them and a listing locationId', () => {
    const d = perLocation();
    d.connections[0].sources = ['wh-main'];
    d.connections[0].options = { locationId: 'gid://shopify/Location/3' };
    d.skus[1].listings['shop-main'].locationId = L1;
    expect(issuesOf(d)).toEqual([
      `connections[0].options.locationId: gid://shopify/Location/3 is not one of this connection's locations (${L1}, ${L2}): with locations, each is pushed at its own`,
      'connections[0].sources: a connection with locations sells from each location’s own sources; remove sources',
      'skus[1].listings.shop-main.locationId: shop-main has locations: the listing is pushed at each of them; remove locationId',
    ]);
  });

  it('accepts options.locationId naming one of the locations (where SKUs are looked up)', () => {
    const d = perLocation();
    d.connections[0].options = { locationId: L2 };
    expect(configuredOutlets(load(d)).get('shop-main')).toHaveLength(2);
  });

  it("counts each location's source set against the per-SKU limit", () => {
    const d = perLocation();
    d.connections[2].locations = Array.from({ length: 13 }, (_, i) => ({ id: `l${i}` }));
    d.connections[0].locations = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`gid://shopify/Location/${i + 1}`, [`wh-main/l${i}`]]));
    expect(issuesOf(d)).toContain('skus[0].listings: its channels sell from 14 different sets of sources; at most 12 are supported per SKU');
  });
});

describe('examples/shopify-locations.yaml', () => {
  it('is a valid config with two Shopify locations, each from its own sources', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    const c = await loadConfig('examples/shopify-locations.yaml', {});
    expect(configuredOutlets(c).get('shop')).toEqual([
      { externalId: 'gid://shopify/Location/24826418', sources: ['east/main'] },
      { externalId: 'gid://shopify/Location/24826419', sources: ['west/main', 'east/main'] },
    ]);
  });
});
