// Amazon's layer 1 over SQS, end to end: the engine (started from a config with
// `notifications.sqs`) long-polls the sandbox seller's queue with the real AWS SDK; no
// HTTP relay is subscribed, and polling is an hour away, so what reaches the engine came
// through the queue.
import pino from 'pino';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { stackConfigYaml, startStackSandbox, type StackOptions } from '../../src/harness/stack.js';
import { startEngine, type RunningEngine } from '../../src/runtime/engine-process.js';
import type { RunningSandbox } from '../../sandbox/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { eventually } from './helpers.js';

const KEY = { accessKeyId: 'AKIAE2ESQS0000000001', secretAccessKey: 'e2e-sqs-secret' };
const opts: StackOptions = {
  channels: ['amazon'],
  skus: [
    { sku: 'MUG', quantity: 20 },
    { sku: 'CUP', quantity: 6 },
  ],
  buffer: '{ mode: shared }',
  instanceOptions: { amazon: { sqs: { ...KEY, visibilityTimeoutSeconds: 1 } } },
};

interface SqsStack {
  testDb: TestDatabase;
  sandbox: RunningSandbox;
  engine: RunningEngine;
  close(): Promise<void>;
}

async function startSqsStack(o: StackOptions): Promise<SqsStack> {
  const testDb = await createTestDatabase({ migrate: false });
  const sandbox = await startStackSandbox(o);
  const engine = await startEngine(configWithSqs(sandbox.url, testDb.url, o), { port: 0, logger: pino({ level: process.env.E2E_LOG ?? 'silent' }) });
  return {
    testDb,
    sandbox,
    engine,
    async close() {
      await engine.stop();
      await sandbox.close();
      await testDb.drop();
    },
  };
}

/** The stack's config, with the Amazon connection reading its notifications from the sandbox's queue. */
function configWithSqs(sandboxUrl: string, dbUrl: string, o: StackOptions) {
  const doc = YAML.parse(stackConfigYaml(sandboxUrl, o)) as { connections: Record<string, unknown>[] };
  const amazon = doc.connections.find((c) => c.id === 'amazon')!;
  const endpoint = `${sandboxUrl}/amazon/seller/sqs`;
  amazon.notifications = { sqs: { queueUrl: `${endpoint}/123456789012/sp-api-notifications-seller`, region: 'us-east-1', endpoint, waitTimeSeconds: 2 } };
  amazon.credentials = {
    ...(amazon.credentials as object),
    sqsAccessKeyId: { env: 'E2E_SQS_KEY', default: KEY.accessKeyId },
    sqsSecretAccessKey: { env: 'E2E_SQS_SECRET', default: KEY.secretAccessKey },
  };
  return parseConfig(YAML.stringify(doc), { TEST_DATABASE_URL: dbUrl }, 'amazon-sqs');
}

interface QueueTruth {
  counts: { visible: number; inFlight: number; delayed: number };
  stats: { sent: number; deleted: number; duplicated: number; redelivered: number };
}
const sqsTruth = (sb: RunningSandbox) => (sb.instances.get('amazon/seller')!.control.truth() as { notifications: { sqs: QueueTruth } }).notifications.sqs;
const drained = (sb: RunningSandbox) => {
  const s = sqsTruth(sb);
  return s.counts.visible + s.counts.inFlight + s.counts.delayed === 0 && s.stats.deleted === s.stats.sent;
};

describe('Amazon notifications over SQS, end to end', () => {
  let stack: SqsStack;
  let sandbox: RunningSandbox;
  let engine: RunningEngine;
  beforeAll(async () => {
    stack = await startSqsStack(opts);
    ({ sandbox, engine } = stack);
  });
  afterAll(async () => stack?.close());

  it('an Amazon order arrives through the queue: recorded, claimed, pushed to the warehouse; the messages are deleted', async () => {
    const r = sandbox.instances.get('amazon/seller')!.control.shopperOrder([{ sku: 'MUG', quantity: 2 }]);
    expect(r.ok).toBe(true);
    const orderId = r.ok ? r.orderId : '';
    await eventually('the order recorded from ORDER_CHANGE', async () => {
      const { rows } = await engine.database.db.query(`SELECT status, warehouse_ack_at FROM orders WHERE connection_id = 'amazon' AND external_id = $1`, [
        orderId,
      ]);
      return rows[0]?.warehouse_ack_at ? rows[0] : undefined;
    });
    const { rows } = await engine.database.db.query(
      `SELECT topic, status, headers->>'x-stocksync-source' AS source FROM inbox WHERE connection_id = 'amazon' AND topic = 'ORDER_CHANGE'`,
    );
    expect(rows).toEqual([{ topic: 'ORDER_CHANGE', status: 'processed', source: 'sqs' }]);
    await eventually('the queue drained', async () => drained(sandbox));
    // No webhook was ever posted: the relay is not subscribed.
    const { rows: hooks } = await engine.database.db.query(`SELECT count(*)::int AS n FROM webhook_counts WHERE connection_id = 'amazon'`);
    expect(hooks[0].n).toBe(0);
  });

  it("a quantity change made on Amazon's side reaches the engine as a channel observation", async () => {
    sandbox.instances.get('amazon/seller')!.control.setStock('CUP', 1);
    await eventually('LISTINGS_ITEM_MFN_QUANTITY_CHANGE processed', async () => {
      const { rows } = await engine.database.db.query(
        `SELECT count(*)::int AS n FROM inbox WHERE connection_id = 'amazon' AND topic = 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE' AND status = 'processed'`,
      );
      return rows[0].n > 0;
    });
  });

  it('the engine stops promptly while its consumer is inside a long poll', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await engine.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('Amazon notifications over SQS, duplicated and reordered by Amazon', () => {
  let stack: SqsStack;
  beforeAll(async () => {
    stack = await startSqsStack({
      ...opts,
      timeScale: 1, // Amazon's hold-backs (reordering) last 100-200 ms
      faults: { default: 'none', amazon: { ...FAULT_PROFILES.none, webhookDuplicate: 0.5, webhookReorder: 0.3 } },
    });
  });
  afterAll(async () => stack?.close());

  it('every order is recorded once, every notification stored once, every message deleted', async () => {
    const control = stack.sandbox.instances.get('amazon/seller')!.control;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = control.shopperOrder([{ sku: i % 2 ? 'MUG' : 'CUP', quantity: 1 }]);
      if (r.ok) ids.push(r.orderId);
    }
    expect(ids).toHaveLength(6);
    const db = stack.engine.database.db;
    await eventually('six orders', async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM orders WHERE connection_id = 'amazon'`);
      return rows[0].n === 6;
    });
    await eventually('the queue drained', async () => drained(stack.sandbox));
    const s = sqsTruth(stack.sandbox);
    expect(s.stats.duplicated).toBeGreaterThan(0);
    const { rows } = await db.query(`SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM inbox WHERE connection_id = 'amazon'`);
    expect(rows[0].n).toBe(rows[0].ids);
    expect(rows[0].n).toBe(s.stats.sent - s.stats.duplicated); // one row per notification, whatever the copies
    const { rows: claims } = await db.query(
      `SELECT sum(l.quantity)::int AS units FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.connection_id = 'amazon'`,
    );
    expect(claims[0].units).toBe(6);
  });
});
