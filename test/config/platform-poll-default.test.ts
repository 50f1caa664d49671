import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

// ShipBob sends no inventory webhook: its poll is the only way stock changes arrive, so it
// is polled every minute unless the connection says otherwise; other platforms keep 5 min.
const yaml = (warehousePoll: string) => `
secretKey: { env: K }
connections:
  - { id: wh, kind: warehouse, platform: shipbob, baseUrl: "https://api.shipbob.com", credentials: { accessToken: { env: T } }${warehousePoll} }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "https://x.myshopify.com", credentials: { accessToken: { env: S } } }
skus: []
`;

const ENV = { T: 't', S: 's', K: 'a-key-of-sixteen-chars' };

describe('a platform default poll interval', () => {
  it('gives ShipBob 1 minute and Shopify the engine default of 5 minutes', () => {
    const config = parseConfig(yaml(''), ENV);
    const poll = Object.fromEntries(config.connections.map((c) => [c.id, c.pollInterval]));
    expect(poll).toEqual({ wh: 60_000, shop: 300_000 });
  });

  it('never overrides an interval the connection sets', () => {
    const config = parseConfig(yaml(', pollInterval: 10m'), ENV);
    expect(config.connections.find((c) => c.id === 'wh')!.pollInterval).toBe(600_000);
  });
});
