// A round-robin HTTP forwarder on loopback in front of several engines, as a load
// balancer would be: the sandbox platforms deliver their webhooks to it, and it hands each
// to the next engine. A refused connection, a reset or no answer in time (a killed engine,
// a paused one) is retried on the next engine; any HTTP answer, 5xx included, goes back to
// the platform as it is, which then retries as the platform does. A delivery that reached
// a paused engine and is retried elsewhere is harmless: the inbox dedupes on the event id.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BalancerStats {
  /** Deliveries answered by an engine (any status). */
  forwarded: number;
  /** Attempts that failed on one engine and went on to the next: no answer in time, or a refused or broken connection. */
  retriedOnNext: number;
  timedOut: number;
  connectionFailed: number;
  /** The slowest answer an engine gave (real ms). */
  slowestAnswerMs: number;
  /** Deliveries no engine answered (502 to the platform). */
  unanswered: number;
  /** Forwarded deliveries per engine index. */
  byEngine: number[];
}

export interface WebhookBalancer {
  url: string;
  stats: BalancerStats;
  close(): Promise<void>;
}

export interface BalancerOptions {
  /** The engines' base URLs (http://127.0.0.1:PORT), in a fixed order. */
  targets: readonly string[];
  /** Real ms one engine has to answer before the next is tried (default: the sandbox's 5 s shared by the engines, at least 1.5 s). */
  attemptTimeoutMs?: number;
}

/** Webhook bodies are small; anything larger is refused before it is buffered. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection']);

export async function startWebhookBalancer(opts: BalancerOptions): Promise<WebhookBalancer> {
  // A paused engine's kernel still accepts the connection: only a timeout tells it from a
  // slow one, so each engine gets its share of the 5 s the platform waits.
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? Math.max(1_500, Math.floor(4_500 / opts.targets.length));
  const stats: BalancerStats = {
    forwarded: 0,
    retriedOnNext: 0,
    timedOut: 0,
    connectionFailed: 0,
    slowestAnswerMs: 0,
    unanswered: 0,
    byEngine: opts.targets.map(() => 0),
  };
  // No keep-alive: a pooled socket to an engine that died would cost every next delivery a reset.
  const agent = new http.Agent({ keepAlive: false });
  let next = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const start = next++ % opts.targets.length;
      void (async () => {
        for (let i = 0; i < opts.targets.length; i++) {
          const index = (start + i) % opts.targets.length;
          const sent = Date.now();
          const answer = await forward(agent, opts.targets[index]!, req, body, attemptTimeoutMs);
          if (answer === 'timeout') stats.timedOut++;
          else if (answer === 'failed') stats.connectionFailed++;
          else {
            stats.slowestAnswerMs = Math.max(stats.slowestAnswerMs, Date.now() - sent);
            stats.forwarded++;
            stats.byEngine[index]!++;
            res.writeHead(answer.status, answer.headers).end(answer.body);
            return;
          }
          stats.retriedOnNext++;
        }
        stats.unanswered++;
        res.writeHead(502, { 'content-type': 'text/plain' }).end('no engine answered');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One attempt on one engine: its answer, or why there is none (refused or reset: failed). */
function forward(agent: http.Agent, target: string, req: http.IncomingMessage, body: Buffer, timeoutMs: number): Promise<Answer | 'timeout' | 'failed'> {
  const url = new URL(req.url ?? '/', target);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Answer | 'timeout' | 'failed') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const out = http.request(url, { method: req.method, headers, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const answerHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (!HOP_BY_HOP.has(name) && typeof value === 'string') answerHeaders[name] = value;
        }
        done({ status: res.statusCode ?? 502, headers: answerHeaders, body: Buffer.concat(parts) });
      });
      res.on('error', () => done('failed'));
    });
    const timer = setTimeout(() => {
      done('timeout');
      out.destroy();
    }, timeoutMs);
    out.on('error', () => done('failed'));
    out.end(body);
  });
}
