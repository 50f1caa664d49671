import { describe, expect, it } from 'vitest';
import { atsByLocation, atsOverSources, defaultSources, locationStock, outletKey, resolveSources, type LocationInfo } from '../../src/domain/index.js';

const loc = (warehouse: string, code: string, flags: Partial<Pick<LocationInfo, 'sellable' | 'external'>> = {}): LocationInfo => ({
  warehouse,
  code,
  sellable: flags.sellable ?? true,
  external: flags.external ?? false,
});

// Configuration order: east (main, returns), west (main, overflow), the FBA stock Amazon holds.
const LOCATIONS = [
  loc('east', 'main'),
  loc('east', 'returns', { sellable: false }),
  loc('west', 'main'),
  loc('west', 'overflow'),
  loc('amazon-fba', 'fba', { external: true }),
];

describe('sources', () => {
  it('default: every sellable location Amazon does not hold, the fulfilling warehouse first', () => {
    expect(defaultSources(LOCATIONS, 'west')).toEqual(['west/main', 'west/overflow', 'east/main']);
    expect(defaultSources(LOCATIONS, 'east')).toEqual(['east/main', 'west/main', 'west/overflow']);
    expect(defaultSources(LOCATIONS, null)).toEqual(['east/main', 'west/main', 'west/overflow']);
  });

  it('a warehouse name stands for its sellable locations; a location keeps its first place', () => {
    expect(resolveSources(['west/overflow', 'east', 'west'], LOCATIONS)).toEqual({ sources: ['west/overflow', 'east/main', 'west/main'], problems: [] });
  });

  it('names every mistake', () => {
    expect(resolveSources(['north', 'east/returns', 'east/dock', 'amazon-fba/fba', 'amazon-fba'], LOCATIONS).problems).toEqual([
      'sources[0]: no warehouse north is defined',
      'sources[1]: east/returns is not sellable',
      'sources[2]: east has no location dock (it has main, returns)',
      'sources[3]: amazon-fba/fba is held by a platform (external, read only); no channel sells from it',
      'sources[4]: amazon-fba has no sellable location a channel may sell from',
    ]);
    expect(resolveSources([], LOCATIONS).problems).toEqual(['sources: must name at least one location']);
  });
});

describe('stock by location', () => {
  it('ATS per location is available less the claims there; a channel adds up its sources, less unlocated claims', () => {
    const atsAt = atsByLocation([
      { location: 'east/main', available: 10, claimed: 3 },
      { location: 'west/main', available: 2, claimed: 4 },
    ]);
    expect(atsAt).toEqual(
      new Map([
        ['east/main', 7],
        ['west/main', -2],
      ]),
    );
    expect(atsOverSources(['east/main', 'west/main', 'east/main'], { atsAt, unlocated: 1 })).toBe(4);
    expect(atsOverSources(['west/overflow'], { atsAt, unlocated: 0 })).toBe(0);
  });

  it('only locations a channel may sell from count: not returns, not FBA', () => {
    const stock = locationStock(
      [
        { location: 'east/main', available: 5, claimed: 1, sellable: true, external: false },
        { location: 'east/returns', available: 9, claimed: 0, sellable: false, external: false },
        { location: 'amazon-fba/fba', available: 40, claimed: 0, sellable: true, external: true },
      ],
      2,
    );
    expect(stock).toEqual({ atsAt: new Map([['east/main', 4]]), unlocated: 2 });
  });

  it('an outlet is the connection, or one of its locations', () => {
    expect(outletKey('shopify')).toBe('shopify');
    expect(outletKey('shopify', 'gid://shopify/Location/1')).toBe('shopify@gid://shopify/Location/1');
  });
});
