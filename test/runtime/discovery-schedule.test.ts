// `catalog: { discover: true }` in a running engine: discovery runs once at start and then
// on its schedule (here every second), each run recorded with its trigger; stop() waits
// for a run in progress.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/server.js';
import { parseConfig } from '../../src/config/index.js';
import { catalogFromConfig } from '../../src/engine/catalog-from-config.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { connectorsFor } from '../../src/runtime/engine-process.js';
import { startDiscoverySchedule } from '../../src/runtime/discovery-schedule.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { catalogueSandbox } from '../helpers/discovery.js';

let sandbox: RunningSandbox;
let t: TestDatabase;
beforeAll(async () => {
  sandbox = await catalogueSandbox();
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  await sandbox?.close();
});

const configText = (url: string, discover: boolean) => `
demo: true
catalog: { discover: ${discover}, schedule: "* * * * * *" }
connections:
  - { id: wh, kind: warehouse, platform: warehouse, baseUrl: "${url}/warehouse/wh", options: { channelId: "100001" },
      credentials: { apiToken: { env: T1, default: sandbox-token-wh } } }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "${url}/shopify/shop", credentials: { accessToken: { env: T2, default: shpat_x } } }
`;

describe('scheduled catalogue discovery', () => {
  it('does nothing unless the config says discover: true', () => {
    const config = parseConfig(configText(sandbox.url, false), {});
    expect(startDiscoverySchedule({ db: t.db, log: pino({ level: 'silent' }), config, connectors: new Map() })).toBeUndefined();
  });

  it('runs at start, then on the schedule', async () => {
    const config = parseConfig(configText(sandbox.url, true), {});
    await syncCatalog(t.db, catalogFromConfig(config));
    const schedule = startDiscoverySchedule({ db: t.db, log: pino({ level: 'silent' }), config, connectors: await connectorsFor(config) })!;
    const triggers = async () => (await t.db.query(`SELECT trigger, status FROM discovery_runs ORDER BY id`)).rows;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !(await triggers()).some((r) => r.trigger === 'schedule' && r.status === 'succeeded')) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await schedule.stop();
    const runs = await triggers();
    expect(runs[0]).toEqual({ trigger: 'start', status: 'succeeded' });
    expect(runs.some((r) => r.trigger === 'schedule' && r.status === 'succeeded')).toBe(true);
    expect(runs.every((r) => r.status !== 'running')).toBe(true);
    const { rows } = await t.db.query(`SELECT connection_id AS c, sku FROM listings ORDER BY sku`);
    expect(rows).toEqual([
      { c: 'shop', sku: 'A-1' },
      { c: 'shop', sku: 'C-3' },
    ]);
  });
});
