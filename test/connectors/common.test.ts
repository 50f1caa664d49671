import { createServer } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { ConnectorError, errorFromStatus } from '../../src/connectors/errors.js';
import { backoffMs, parseRetryAfter, withRetry } from '../../src/connectors/retry.js';
import { BACKGROUND_MAX_WAIT_MS, createRateLimiter } from '../../src/connectors/rate-limit.js';
import { hmacSha256Base64, verifyHmacSha256Base64 } from '../../src/connectors/signature.js';
import { httpRequest } from '../../src/connectors/http.js';

describe('retry', () => {
  it('retries only retryable errors', async () => {
    let calls = 0;
    const policy = { attempts: 4, baseMs: 1, maxMs: 2, sleep: async () => {} };
    await expect(
      withRetry(async () => {
        calls++;
        throw errorFromStatus(400, 'bad');
      }, policy),
    ).rejects.toMatchObject({ connectorCode: 'REJECTED' });
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw errorFromStatus(503, 'down');
      }, policy),
    ).rejects.toMatchObject({ connectorCode: 'SERVER' });
    expect(calls).toBe(4);
    calls = 0;
    expect(
      await withRetry(async () => {
        if (++calls < 3) throw errorFromStatus(429, 'slow');
        return 'ok';
      }, policy),
    ).toBe('ok');
  });

  it('backs off exponentially with jitter, never before Retry-After', () => {
    fc.assert(
      fc.property(fc.nat(10), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.option(fc.nat(60_000), { nil: undefined }), (attempt, r, retryAfter) => {
        const policy = { attempts: 5, baseMs: 100, maxMs: 10_000, random: () => r };
        const wait = backoffMs(attempt, policy, retryAfter);
        expect(wait).toBeGreaterThanOrEqual(retryAfter ?? 0);
        if (retryAfter === undefined) expect(wait).toBeLessThan(Math.min(10_000, 100 * 2 ** attempt) + 1);
      }),
    );
  });

  it('parses Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('25')).toBe(25_000);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString(), Date.now())).toBeGreaterThan(1000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('rate limiter', () => {
  it('token bucket: burst at once, then the steady rate', async () => {
    const limiter = createRateLimiter({ kind: 'token-bucket', ratePerSecond: 50, burst: 5 });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(Date.now() - t0).toBeLessThan(50);
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80); // 5 more at 50/s = 100 ms (timer slack)
  });

  it('sliding window: never more than N in any window', async () => {
    const limiter = createRateLimiter({ kind: 'sliding-window', requests: 3, windowMs: 100 });
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      await limiter.acquire();
      times.push(Date.now());
    }
    for (let i = 3; i < times.length; i++) expect(times[i]! - times[i - 3]!).toBeGreaterThanOrEqual(100);
  });

  it('background requests yield to the others, one big request is never overtaken in its lane', async () => {
    const limiter = createRateLimiter({ kind: 'cost-bucket', restorePerSecond: 1000, bucketSize: 100 });
    await limiter.acquire(100); // drained
    const order: string[] = [];
    const poll = limiter.acquire(100, 'background').then(() => order.push('poll'));
    const big = limiter.acquire(50).then(() => order.push('big'));
    const small = Array.from({ length: 3 }, (_, i) => limiter.acquire(5).then(() => order.push(`push${i}`)));
    await Promise.all([poll, big, ...small]);
    expect(order).toEqual(['big', 'push0', 'push1', 'push2', 'poll']);
  });

  it('a background request waiting BACKGROUND_MAX_WAIT_MS goes first', async () => {
    vi.useFakeTimers();
    try {
      const limiter = createRateLimiter({ kind: 'cost-bucket', restorePerSecond: 10, bucketSize: 10 });
      await limiter.acquire(10);
      let servedAt: number | undefined;
      const t0 = Date.now();
      void limiter.acquire(10, 'background').then(() => (servedAt = Date.now() - t0));
      // pushes asking for twice the restore rate, for longer than the limit
      for (let t = 0; t < BACKGROUND_MAX_WAIT_MS + 5_000; t += 500) {
        void limiter.acquire(5);
        void limiter.acquire(5);
        await vi.advanceTimersByTimeAsync(500);
      }
      expect(servedAt).toBeGreaterThanOrEqual(BACKGROUND_MAX_WAIT_MS);
      expect(servedAt).toBeLessThan(BACKGROUND_MAX_WAIT_MS + 1_100); // 10 points at 10/s once it is first
    } finally {
      vi.useRealTimers();
    }
  });

  it('pause holds every caller back', async () => {
    const limiter = createRateLimiter({ kind: 'token-bucket', ratePerSecond: 1000, burst: 10 });
    limiter.pause(60);
    const t0 = Date.now();
    await limiter.acquire();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });
});

describe('webhook signature', () => {
  it('accepts the right HMAC and refuses any change', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ minLength: 1 }), (bytes, secret) => {
        const body = Buffer.from(bytes);
        const sig = hmacSha256Base64(secret, body);
        expect(verifyHmacSha256Base64(secret, body, sig)).toBe(true);
        expect(verifyHmacSha256Base64(secret + 'x', body, sig)).toBe(false);
        expect(verifyHmacSha256Base64(secret, Buffer.concat([body, Buffer.from('x')]), sig)).toBe(false);
        expect(verifyHmacSha256Base64(secret, body, undefined)).toBe(false);
        expect(verifyHmacSha256Base64(undefined, body, sig)).toBe(false);
      }),
    );
  });
});

describe('http', () => {
  it('classifies statuses, timeouts and refused connections', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 500);
      if (req.url === '/429') {
        res.writeHead(429, { 'retry-after': '2' });
        return void res.end('{}');
      }
      if (req.url === '/notjson') return void res.end('<html>');
      res.writeHead(Number(req.url!.slice(1)) || 200);
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect((await httpRequest({ method: 'GET', url: `${base}/200` })).json()).toEqual({ ok: true });
      await expect(httpRequest({ method: 'GET', url: `${base}/429` })).rejects.toMatchObject({
        connectorCode: 'RATE_LIMITED',
        retryable: true,
        info: { retryAfterMs: 2000 },
      });
      await expect(httpRequest({ method: 'GET', url: `${base}/503` })).rejects.toMatchObject({ connectorCode: 'SERVER', retryable: true });
      await expect(httpRequest({ method: 'GET', url: `${base}/401` })).rejects.toMatchObject({ connectorCode: 'AUTH', retryable: false });
      await expect(httpRequest({ method: 'GET', url: `${base}/slow`, timeoutMs: 50 })).rejects.toMatchObject({ connectorCode: 'TIMEOUT' });
      const r = await httpRequest({ method: 'GET', url: `${base}/notjson` });
      expect(() => r.json()).toThrow(ConnectorError);
    } finally {
      server.close();
    }
    await expect(httpRequest({ method: 'GET', url: `${base}/200` })).rejects.toMatchObject({ connectorCode: 'NETWORK' });
  });
});
