import { afterEach, describe, expect, it } from 'vitest';
import { createFaults, FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { createRng } from '../../sandbox/core/rng.js';
import { createWebhookSender, type WebhookSenderOptions } from '../../sandbox/core/webhooks.js';
import { startReceiver } from './core-receiver.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function sender(profile: Partial<typeof FAULT_PROFILES.none>, extra: Partial<WebhookSenderOptions> = {}) {
  const faults = createFaults({ ...FAULT_PROFILES.none, ...profile }, createRng(11, 'wh-faults'));
  const s = createWebhookSender({ faults, rng: createRng(11, 'wh'), timeScale: 0.001, retry: 'none', ...extra });
  closers.push(() => s.close());
  return s;
}

async function receiver(answer?: (r: unknown, i: number) => number) {
  const r = await startReceiver(answer);
  closers.push(() => r.close());
  return r;
}

describe('webhook sender', () => {
  it('delivers, and builds a lazy body at each attempt', async () => {
    const rx = await receiver((_r, i) => (i === 0 ? 500 : 200));
    const s = sender({}, { retry: { attempts: 3, baseDelayMs: 100 } });
    let version = 0;
    s.send({ url: `${rx.url}/a`, headers: { 'x-id': 'e1' }, body: () => `{"v":${++version}}`, signHeaders: (b) => ({ 'x-sig': `len${b.length}` }) });
    await s.flush();
    expect(rx.received.map((r) => r.body)).toEqual(['{"v":1}', '{"v":2}']);
    expect(rx.received.every((r) => r.headers['x-id'] === 'e1' && r.headers['x-sig'] === 'len7')).toBe(true);
    expect(s.stats()).toMatchObject({ sent: 2, delivered: 1, failed: 0 });
  });

  it('without retries a failure is final', async () => {
    const rx = await receiver(() => 500);
    const s = sender({});
    s.send({ url: rx.url, headers: {}, body: '{}' });
    await s.flush();
    expect(rx.received).toHaveLength(1);
    expect(s.stats()).toMatchObject({ sent: 1, delivered: 0, failed: 1 });
  });

  it('backs off exponentially, scaled by timeScale', async () => {
    const rx = await receiver((_r, i) => (i < 3 ? 500 : 200));
    const s = sender({}, { retry: { attempts: 5, baseDelayMs: 20_000 }, timeScale: 0.001 });
    s.send({ url: rx.url, headers: {}, body: '{}' });
    await s.flush();
    const gaps = rx.received.slice(1).map((r, i) => r.at - rx.received[i]!.at);
    // 20 s, 40 s, 80 s of platform time at 1/1000: 20, 40, 80 ms
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
  });

  it('loses, duplicates and reorders as the profile says', async () => {
    const rx = await receiver();
    const lossy = sender({ webhookLoss: 1 });
    lossy.send({ url: rx.url, headers: {}, body: '{}' });
    await lossy.flush();
    expect(rx.received).toHaveLength(0);
    expect(lossy.stats().dropped).toBe(1);

    const dup = sender({ webhookDuplicate: 1 });
    dup.send({ url: rx.url, headers: { 'x-event': 'same' }, body: '{"n":1}' });
    await dup.flush();
    expect(rx.received.map((r) => r.headers['x-event'])).toEqual(['same', 'same']);
    expect(dup.stats().duplicated).toBe(1);

    rx.received.length = 0;
    const shuffled = sender({ webhookReorder: 0.3, webhookDelayMs: { min: 0, max: 5_000 } }, { timeScale: 0.01 });
    for (let n = 0; n < 40; n++) shuffled.send({ url: rx.url, headers: {}, body: String(n) });
    await shuffled.flush();
    const order = rx.received.map((r) => Number(r.body));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it('close stops pending deliveries', async () => {
    const rx = await receiver();
    const s = sender({ webhookDelayMs: { min: 60_000, max: 60_000 } }, { timeScale: 1 });
    s.send({ url: rx.url, headers: {}, body: '{}' });
    s.close();
    await s.flush(); // must not hang on the cancelled wait
    expect(rx.received).toHaveLength(0);
    expect(s.stats()).toMatchObject({ sent: 0, failed: 0 });
  });
});
