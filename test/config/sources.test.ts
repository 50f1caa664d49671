// Channel `sources` and location `external` in the config (docs/locations.md): precise
// errors for every wrong entry, and the lists the catalogue sync stores.
import { describe, expect, it } from 'vitest';
import { configuredSources } from '../../src/config/sources.js';
import { catalogFromConfig } from '../../src/engine/catalog-from-config.js';
import { baseDoc, issuesAfter, load, type Doc } from './helpers.js';

/** The base config with a second warehouse `wh-west` (store + returns) and fulfilledBy set everywhere. */
function twoWarehouses(): Doc {
  const d = baseDoc();
  d.connections[1].fulfilledBy = 'wh-main';
  d.connections[2].locations = [{ id: 'main' }, { id: 'damaged', sellable: false }, { id: 'fba', external: true }];
  d.connections.push({ ...d.connections[2], id: 'wh-west', locations: [{ id: 'store' }, { id: 'back' }] });
  return d;
}

describe('channel sources', () => {
  it('a config without sources loads as before: no sources, locations not external', () => {
    const c = load(baseDoc());
    expect(configuredSources(c)).toEqual(new Map());
    const catalog = catalogFromConfig(c);
    expect(catalog.connections.every((x) => x.sources === undefined)).toBe(true);
    expect(catalog.connections.find((x) => x.id === 'wh-main')!.locations).toEqual([{ code: 'main', sellable: true, external: false }]);
  });

  it('resolves a warehouse name to its sellable locations and keeps the given order', () => {
    const d = twoWarehouses();
    d.connections[0].sources = ['wh-west', 'wh-main/main'];
    d.connections[1].sources = ['wh-main'];
    const c = load(d);
    expect(configuredSources(c)).toEqual(
      new Map([
        ['shop-main', ['wh-west/store', 'wh-west/back', 'wh-main/main']],
        ['amazon-eu', ['wh-main/main']],
      ]),
    );
    const catalog = catalogFromConfig(c);
    expect(catalog.connections.find((x) => x.id === 'shop-main')!.sources).toEqual(['wh-west/store', 'wh-west/back', 'wh-main/main']);
    expect(catalog.connections.find((x) => x.id === 'wh-main')!.locations).toEqual([
      { code: 'main', sellable: true, external: false },
      { code: 'damaged', sellable: false, external: false },
      { code: 'fba', sellable: true, external: true },
    ]);
  });

  it('names each wrong entry precisely', () => {
    const issues = issuesAfter((d) => {
      Object.assign(d, twoWarehouses());
      d.connections[0].sources = ['wh-nowhere', 'wh-main/attic', 'wh-main/damaged', 'wh-main/fba', 'wh-west/store'];
    });
    expect(issues).toEqual([
      'connections[0].sources[0]: no warehouse wh-nowhere is defined',
      'connections[0].sources[1]: wh-main has no location attic (it has main, damaged, fba)',
      'connections[0].sources[2]: wh-main/damaged is not sellable',
      'connections[0].sources[3]: wh-main/fba is held by a platform (external, read only); no channel sells from it',
    ]);
  });

  it('refuses an empty list, a non-list and a warehouse with nothing to sell from', () => {
    expect(issuesAfter((d) => (d.connections[0].sources = []))).toEqual(['connections[0].sources: must name at least one location']);
    expect(issuesAfter((d) => (d.connections[0].sources = 'wh-main'))).toEqual(['connections[0].sources: must be a list']);
    expect(
      issuesAfter((d) => {
        d.connections[2].locations = [{ id: 'fba', external: true }];
        d.connections[0].sources = ['wh-main'];
      }),
    ).toEqual(['connections[0].sources[0]: wh-main has no sellable location a channel may sell from']);
  });

  it('refuses more than 12 distinct source sets among the channels of one SKU', () => {
    // 13 channels with one location each, and shop-main on the default (all 13): 14 sets.
    const issues = issuesAfter((d) => {
      d.connections[2].locations = Array.from({ length: 13 }, (_, i) => ({ id: `l${i}` }));
      for (let i = 0; i < 13; i++) {
        d.connections.push({ ...d.connections[1], id: `ch${i}`, sources: [`wh-main/l${i}`] });
        d.skus[1].listings[`ch${i}`] = {};
      }
    });
    expect(issues).toEqual(['skus[1].listings: its channels sell from 14 different sets of sources; at most 12 are supported per SKU']);
  });
});
