// The whole product on loopback with several engines: the sandbox platforms, N engine
// processes (`stocksync start`, src/harness/engine-fleet.ts) on one database, and a
// round-robin balancer (webhook-balancer.ts) that spreads the platforms' webhooks over
// them. The stack's own pool reads the database for the simulation; it runs no engine work.
import { createPool } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { startEngineFleet, type EngineFleet } from './engine-fleet.js';
import {
  platformView,
  stackConfigYaml,
  stackPlatforms,
  startStackSandbox,
  subscribeWebhooks,
  warehouseIdsOf,
  type PlatformStack,
  type StackOptions,
} from './stack.js';
import { startWebhookBalancer, type WebhookBalancer } from './webhook-balancer.js';

export interface FleetStack extends PlatformStack {
  fleet: EngineFleet;
  balancer: WebhookBalancer;
}

export interface FleetStackOptions extends StackOptions {
  engines: number;
  /** Where the engines' config and logs go. */
  dir: string;
}

/**
 * Starts the sandbox, migrates the database (once, before any engine), starts the engines
 * one after another (the first applies the catalogue alone) and subscribes the webhooks
 * to the balancer. Engine-only options (layers, onPushed) cannot cross a process
 * boundary: the engines run every layer, as `stocksync start` does.
 */
export async function startFleetStackOn(databaseUrl: string, opts: FleetStackOptions): Promise<FleetStack> {
  const sandbox = await startStackSandbox(opts);
  const db = createPool(databaseUrl, 4);
  let fleet: EngineFleet | undefined;
  let balancer: WebhookBalancer | undefined;
  try {
    await migrate(db);
    fleet = await startEngineFleet({
      count: opts.engines,
      configYaml: stackConfigYaml(sandbox.url, opts),
      env: { TEST_DATABASE_URL: databaseUrl },
      dir: opts.dir,
      ...(opts.logLevel && opts.logLevel !== 'silent' && { logLevel: opts.logLevel }),
    });
    for (let engine = 0; engine < opts.engines; engine++) await fleet.start(engine);
    balancer = await startWebhookBalancer({ targets: fleet.urls });
    if (opts.webhooks !== false) subscribeWebhooks(sandbox, balancer.url, stackPlatforms(opts), warehouseIdsOf(opts));
    const running = { fleet, balancer };
    return {
      ...platformView(sandbox, db, warehouseIdsOf(opts)),
      ...running,
      async close() {
        // Engines first: they must not see the platforms vanish mid-push and log it as drift.
        await running.fleet.stop();
        await running.balancer.close();
        await db.end().catch(() => {});
        await sandbox.close();
      },
    };
  } catch (e) {
    await fleet?.stop().catch(() => {});
    await balancer?.close();
    await db.end().catch(() => {});
    await sandbox.close();
    throw e;
  }
}
