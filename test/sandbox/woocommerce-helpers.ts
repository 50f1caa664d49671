// A loopback webhook receiver for the WooCommerce, Amazon and warehouse simulator tests:
// records every request with its raw body, answers with a programmable status.
import Fastify from 'fastify';

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer with (default 200). */
  status: number;
  /** Resolves once at least n requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const r: Receiver = {
    url: '',
    received: [],
    status: 200,
    async waitFor(n, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      while (r.received.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} requests, got ${r.received.length}`);
        await new Promise((res) => setTimeout(res, 5));
      }
    },
    close: () => app.close(),
  };
  app.post('/*', async (request, reply) => {
    r.received.push({ headers: request.headers as Record<string, string>, body: String(request.body ?? ''), at: Date.now() });
    return reply.code(r.status).send({ ok: r.status < 300 });
  });
  r.url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/hook`;
  return r;
}
