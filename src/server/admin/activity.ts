// /activity: what the dashboard's overview charts and that the other resources give only as
// totals (/overview, /connections): orders, listings pushed and lowering latency per minute.
//
// Pushes are counted by running counters (connection_activity), not one row per push (a
// history table would cost the hot path a write per push). This process samples those
// counters while someone reads this resource and turns successive samples into rates, so the
// push series covers the time since a dashboard was opened on this process (at most the
// window). The sampler stops by itself once nobody has asked for a few minutes.
import * as z from 'zod';
import type { Db } from '../../store/db.js';
import { loweringLatencyPerMinute, ordersPerMinute, ordersSince, ORDERS_SCANNED, pushCounters, type PushCounters } from '../../store/activity-series.js';
import type { AdminContext } from './context.js';
import { ok } from './route.js';
import { timestamp } from './schemas.js';

const SAMPLE_EVERY_MS = 10_000;
const MAX_WINDOW_MINUTES = 60;
const IDLE_STOP_MS = 3 * 60_000;

const activitySchema = z.object({
  generatedAt: timestamp,
  windowMinutes: z.number().int(),
  ordersLastMinute: z.number().int().meta({ description: 'Orders recorded in the last 60 seconds' }),
  ordersPerMinute: z
    .array(z.object({ minute: timestamp, count: z.number().int() }))
    .meta({ description: `Every minute of the window, oldest first (counted over the latest ${ORDERS_SCANNED} orders)` }),
  pushesPerMinute: z.array(z.object({ at: timestamp, connectionId: z.string(), calls: z.number(), listings: z.number(), throttled: z.number() })).meta({
    description: `Rates per connection between successive samples of the push counters (every ${SAMPLE_EVERY_MS / 1000} s while this resource is read)`,
  }),
  loweringLatencyMs: z
    .array(z.object({ connectionId: z.string(), minute: timestamp, count: z.number().int(), p50: z.number(), p95: z.number(), max: z.number() }))
    .meta({ description: 'Target changed -> the channel shows it, per connection and minute, over the lowerings each connection keeps' }),
});

interface Sample {
  at: number;
  counters: PushCounters[];
}

/** Samples the push counters every few seconds while asked for, keeping the window's worth. */
export function createPushSampler(db: Db) {
  const samples: Sample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let lastAsked = 0;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  const sample = async () => {
    if (Date.now() - lastAsked > IDLE_STOP_MS) return stop();
    try {
      samples.push({ at: Date.now(), counters: await pushCounters(db) });
    } catch {
      return stop(); // the database went away (or the server is closing): the next read starts again
    }
    const keepFrom = Date.now() - MAX_WINDOW_MINUTES * 60_000 - SAMPLE_EVERY_MS;
    while (samples.length > 0 && samples[0]!.at < keepFrom) samples.shift();
  };
  return {
    /** Rates per connection between successive samples since `since`; starts sampling if it was not. */
    async rates(since: number) {
      lastAsked = Date.now();
      if (!timer) {
        timer = setInterval(() => void sample(), SAMPLE_EVERY_MS);
        timer.unref();
        await sample();
      }
      const points = [];
      for (let i = 1; i < samples.length; i++) {
        const [a, b] = [samples[i - 1]!, samples[i]!];
        if (b.at < since) continue;
        const perMinute = 60_000 / (b.at - a.at);
        const before = new Map(a.counters.map((c) => [c.connectionId, c]));
        for (const c of b.counters) {
          const p = before.get(c.connectionId) ?? { calls: 0, listings: 0, throttled: 0 };
          const rate = (now: number, then: number) => Math.round(Math.max(0, now - then) * perMinute * 10) / 10;
          points.push({
            at: new Date(b.at),
            connectionId: c.connectionId,
            calls: rate(c.calls, p.calls),
            listings: rate(c.listings, p.listings),
            throttled: rate(c.throttled, p.throttled),
          });
        }
      }
      return points;
    },
  };
}

/** Every minute from `since` to now, with the orders of each (0 where none). */
function everyMinute(since: Date, now: Date, counts: { minute: Date; count: number }[]) {
  const byMinute = new Map(counts.map((c) => [c.minute.getTime(), c.count]));
  const out = [];
  for (let t = since.getTime(); t <= now.getTime(); t += 60_000) out.push({ minute: new Date(t), count: byMinute.get(t) ?? 0 });
  return out;
}

export function activityRoutes(ctx: AdminContext): void {
  const sampler = createPushSampler(ctx.db);
  ctx.routes.add({
    method: 'GET',
    url: '/activity',
    tag: 'overview',
    summary: 'Orders, listings pushed and lowering latency per minute (the series behind the dashboard’s overview)',
    query: z.object({
      minutes: z.coerce
        .number()
        .int('must be a whole number')
        .min(1, `must be from 1 to ${MAX_WINDOW_MINUTES}`)
        .max(MAX_WINDOW_MINUTES, `must be from 1 to ${MAX_WINDOW_MINUTES}`)
        .default(30),
    }),
    responses: { 200: { description: 'The series', schema: activitySchema } },
    handler: async ({ query }) => {
      const now = new Date();
      const since = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (query.minutes - 1) * 60_000);
      const [lastMinute, orders, latency, pushes] = await Promise.all([
        ordersSince(ctx.db, new Date(now.getTime() - 60_000)),
        ordersPerMinute(ctx.db, since),
        loweringLatencyPerMinute(ctx.db, since),
        sampler.rates(since.getTime()),
      ]);
      return ok({
        generatedAt: now,
        windowMinutes: query.minutes,
        ordersLastMinute: lastMinute,
        ordersPerMinute: everyMinute(since, now, orders),
        pushesPerMinute: pushes,
        loweringLatencyMs: latency,
      });
    },
  });
}
