// The registration plan: other apps' subscriptions are never touched, every consumed
// topic ends with exactly one subscription at our address, and applying a plan leaves
// nothing for the next one to do (idempotence).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOurs, oursOf, planWebhooks, webhookAddress, type ListedWebhook } from '../../src/domain/webhook-plan.js';

const TOPICS = ['A', 'B', 'C', 'D'];
const HOSTS = ['https://sync.example.com', 'https://old.example.com', 'http://127.0.0.1:8080', 'https://sync.example.com/prefix'];
const PATHS = ['/webhooks/shop', '/webhooks/shop/', '/webhooks/shop2', '/webhooks/other', '/hooks/shop', '/x/webhooks/shop', ''];

const listedArb = fc.array(
  fc
    .record({ topic: fc.constantFrom(...TOPICS), host: fc.constantFrom(...HOSTS), path: fc.constantFrom(...PATHS) })
    .map(({ topic, host, path }) => ({ topic, address: host + path })),
  { maxLength: 12 },
);
const withIds = (rows: { topic: string; address: string }[]): ListedWebhook[] => rows.map((r, i) => ({ id: String(i + 1), ...r }));

describe('webhook plan', () => {
  it('recognises ours by the path /webhooks/<connection> on any host, and nothing else', () => {
    expect(isOurs('https://a.example/webhooks/shop', 'shop')).toBe(true);
    expect(isOurs('http://127.0.0.1:9/proxy/webhooks/shop/', 'shop')).toBe(true);
    expect(isOurs('https://a.example/webhooks/shop2', 'shop')).toBe(false);
    expect(isOurs('https://a.example/webhooks/myshop', 'shop')).toBe(false);
    expect(isOurs('https://a.example/webhooks/shop?x=1', 'shop')).toBe(true);
    expect(isOurs('not a url /webhooks/shop', 'shop')).toBe(false);
    expect(webhookAddress('https://sync.example.com/', 'shop')).toBe('https://sync.example.com/webhooks/shop');
  });

  it('never touches a foreign subscription, and partitions what is listed', () => {
    fc.assert(
      fc.property(listedArb, fc.subarray(TOPICS), fc.constantFrom(...HOSTS), (rows, topics, publicUrl) => {
        const listed = withIds(rows);
        const plan = planWebhooks({ connectionId: 'shop', publicUrl, topics, listed });
        for (const f of plan.foreign) expect(isOurs(f.address, 'shop')).toBe(false);
        for (const r of plan.remove) expect(isOurs(r.webhook.address, 'shop')).toBe(true);
        const ids = [...plan.keep, ...plan.remove.map((r) => r.webhook), ...plan.foreign].map((w) => w.id).sort();
        expect(ids).toEqual(listed.map((w) => w.id).sort());
        expect(oursOf('shop', listed)).toHaveLength(plan.keep.length + plan.remove.length);
      }),
    );
  });

  it('ends with exactly one subscription per consumed topic at our address; a second plan does nothing', () => {
    fc.assert(
      fc.property(listedArb, fc.subarray(TOPICS), fc.constantFrom(...HOSTS), (rows, topics, publicUrl) => {
        const listed = withIds(rows);
        const plan = planWebhooks({ connectionId: 'shop', publicUrl, topics, listed });
        // apply it as the engine does: create the missing, remove the stale
        const removed = new Set(plan.remove.map((r) => r.webhook.id));
        const after = [...listed.filter((w) => !removed.has(w.id)), ...plan.create.map((topic, i) => ({ id: `new${i}`, topic, address: plan.address! }))];
        const ours = oursOf('shop', after);
        expect(ours.map((w) => w.topic).sort()).toEqual([...topics].sort());
        expect(new Set(ours.map((w) => new URL(w.address).href.replace(/\/+$/, '')))).toEqual(new Set(topics.length ? [plan.address] : []));
        const again = planWebhooks({ connectionId: 'shop', publicUrl, topics, listed: after });
        expect([again.create, again.remove]).toEqual([[], []]);
      }),
    );
  });

  it('says why each stale one goes', () => {
    const listed = withIds([
      { topic: 'A', address: 'https://sync.example.com/webhooks/shop' },
      { topic: 'A', address: 'https://sync.example.com/webhooks/shop/' },
      { topic: 'B', address: 'https://old.example.com/webhooks/shop' },
      { topic: 'Z', address: 'https://sync.example.com/webhooks/shop' },
      { topic: 'A', address: 'https://another-app.example.com/hooks' },
    ]);
    const plan = planWebhooks({ connectionId: 'shop', publicUrl: 'https://sync.example.com', topics: ['A', 'B'], listed });
    expect(plan.keep.map((w) => w.id)).toEqual(['1']);
    expect(plan.remove.map((r) => [r.webhook.id, r.reason])).toEqual([
      ['2', 'duplicate'],
      ['3', 'old_address'],
      ['4', 'topic_not_consumed'],
    ]);
    expect(plan.create).toEqual(['B']);
    expect(plan.foreign.map((w) => w.id)).toEqual(['5']);
    // without a publicUrl (status only) any host of ours counts as registered
    const loose = planWebhooks({ connectionId: 'shop', publicUrl: null, topics: ['A', 'B'], listed });
    expect(loose.keep.map((w) => w.id)).toEqual(['1', '3']);
  });
});
