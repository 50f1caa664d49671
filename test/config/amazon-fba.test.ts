// `platform: amazon-fba` in the config (docs/locations-wiring.md "Amazon FBA"): a read-only
// warehouse with one external location, the Amazon seller's credentials; never a channel's
// fulfilledBy, never its source, and never the warehouse a channel defaults to.
import { describe, expect, it } from 'vitest';
import { catalogFromConfig } from '../../src/engine/catalog-from-config.js';
import { baseDoc, issuesAfter, load, type Doc } from './helpers.js';

const fba = (extra: Record<string, unknown> = {}) => ({
  id: 'amazon-fba',
  kind: 'warehouse',
  platform: 'amazon-fba',
  baseUrl: 'http://127.0.0.1:8700/amazon/demo-seller',
  credentials: { clientId: { env: 'AMAZON_ID' }, clientSecret: { env: 'AMAZON_SECRET' }, refreshToken: { env: 'AMAZON_REFRESH' } },
  options: { sellerId: 'A1', marketplaceId: 'ATVPDKIKX0DER' },
  locations: [{ id: 'fba', external: true }],
  ...extra,
});

/** The base config (one 3PL) plus an FBA connection; the channels' fulfilledBy left to the default. */
function withFba(extra: Record<string, unknown> = {}): Doc {
  const d = baseDoc();
  delete d.connections[0].fulfilledBy;
  d.connections.push(fba(extra));
  return d;
}

describe('amazon-fba connections', () => {
  it('load with one external location; the channels still default to the only 3PL', () => {
    const c = load(withFba());
    const catalog = catalogFromConfig(c);
    expect(catalog.connections.find((x) => x.id === 'amazon-fba')).toMatchObject({
      kind: 'warehouse',
      platform: 'amazon-fba',
      locations: [{ code: 'fba', sellable: true, external: true }],
    });
    expect(c.connections.filter((x) => x.kind === 'channel').map((x) => x.kind === 'channel' && x.fulfilledBy)).toEqual(['wh-main', 'wh-main']);
    expect(catalog.connections.filter((x) => x.kind === 'channel').map((x) => x.fulfilledBy)).toEqual(['wh-main', 'wh-main']);
  });

  it('needs its one location, external', () => {
    expect(issuesOf((d) => d.connections.push(fba({ locations: undefined })))).toEqual([
      'connections[3].locations: required for amazon-fba: its one location, external (locations: [{ id: fba, external: true }])',
    ]);
    expect(issuesOf((d) => d.connections.push(fba({ locations: [{ id: 'fba' }] })))).toEqual([
      "connections[3].locations[0].external: must be true: amazon-fba's stock is held and shipped by Amazon, read only",
    ]);
    expect(
      issuesOf((d) =>
        d.connections.push(
          fba({
            locations: [
              { id: 'a', external: true },
              { id: 'b', external: true },
            ],
          }),
        ),
      ),
    ).toEqual(['connections[3].locations: amazon-fba has exactly one location (locations: [{ id: fba, external: true }])']);
  });

  it('is never a channel’s fulfilledBy nor its source', () => {
    expect(
      issuesOf((d) => {
        d.connections.push(fba());
        d.connections[1].fulfilledBy = 'amazon-fba';
        d.connections[0].sources = ['amazon-fba/fba'];
      }),
    ).toEqual([
      'connections[0].sources[0]: amazon-fba/fba is held by a platform (external, read only); no channel sells from it',
      'connections[1].fulfilledBy: amazon-fba is amazon-fba, read only: Amazon ships its own (AFN) orders and takes none from stocksync',
    ]);
  });

  it('takes the Amazon seller’s credentials, not a 3PL token', () => {
    expect(issuesOf((d) => d.connections.push(fba({ credentials: { apiToken: { env: 'WH_TOKEN' } } })))).toEqual([
      'connections[3].credentials: amazon-fba needs clientId + clientSecret + refreshToken, or accessToken',
      'connections[3].credentials.apiToken: unknown credential for amazon-fba (allowed: clientId, clientSecret, refreshToken, accessToken)',
    ]);
  });
});

function issuesOf(change: (d: Doc) => void): string[] {
  return issuesAfter(change);
}
