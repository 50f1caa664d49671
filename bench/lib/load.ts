// Load generation for the webhook benchmarks: autocannon (a devDependency) with Shopify
// orders/create deliveries, each request its own X-Shopify-Event-Id and, when asked, its
// own order (body and HMAC built per request, as Shopify signs the raw body).
import { createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

// autocannon ships no type declarations; the part of its result the benches read
export interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<LoadResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const SHOPIFY_SECRET = 'bench-app-secret';

export function shopifyOrderBody(n: number, sku: string, quantity: number): string {
  const id = 5_000_000_000_000_000_000n + BigInt(n); // beyond 2^53, as Shopify's are
  const at = '2026-11-28T10:00:00-05:00';
  return (
    `{"id":${id},"admin_graphql_api_id":"gid://shopify/Order/${id}","name":"#${1000 + n}","order_number":${1000 + n},` +
    `"created_at":"${at}","updated_at":"${at}","cancelled_at":null,"cancel_reason":null,"financial_status":"paid",` +
    `"fulfillment_status":null,"line_items":[{"id":${id + 7n},"admin_graphql_api_id":"gid://shopify/LineItem/${id + 7n}",` +
    `"sku":${JSON.stringify(sku)},"name":${JSON.stringify(sku)},"quantity":${quantity},"current_quantity":${quantity},"fulfillable_quantity":${quantity}}]}`
  );
}

export function shopifyHeaders(body: string, eventId: string, secret = SHOPIFY_SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-shopify-topic': 'orders/create',
    'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
    'x-shopify-shop-domain': 'bench.myshopify.com',
    'x-shopify-api-version': '2026-04',
    'x-shopify-webhook-id': eventId,
    'x-shopify-event-id': eventId,
    'x-shopify-triggered-at': '2026-11-28T15:00:00.000Z',
  };
}

export interface WebhookLoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Request n: its body and event id. */
  request: (n: number) => { body: string; eventId: string };
  /** The app secret the HMAC is keyed with (default SHOPIFY_SECRET). */
  secret?: string;
}

export async function webhookLoad(o: WebhookLoadOptions): Promise<LoadResult & { sent: number }> {
  let n = 0;
  const result = await autocannon({
    url: o.url,
    method: 'POST',
    connections: o.connections,
    duration: o.seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>) => {
          const { body, eventId } = o.request(n++);
          return { ...req, method: 'POST', body, headers: shopifyHeaders(body, eventId, o.secret) };
        },
      },
    ],
  });
  return { ...result, sent: n };
}

export interface Child {
  url: string;
  /** CPU time (user + system, µs) the child has used so far. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Runs `file` as a child process with `env`; the child prints its URL on the first line
 * of stdout and answers any line on stdin with its process.cpuUsage() as JSON.
 */
export function startChild(file: string, env: Record<string, string>): Promise<Child> {
  // BENCH_CHILD_NODE_ARGS (diagnostics): e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every server.
  const extra = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', file], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let buffered = '';
  const waiting: ((line: string) => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((r) => waiting.push(r));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${file} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    void nextLine().then((url) => {
      child.off('exit', onExit);
      let stopping = false;
      child.once('exit', (code, signal) => {
        // a child that dies under a running benchmark would leave it waiting on retries
        if (!stopping) {
          console.error(`${file} (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal}`);
          process.exit(1);
        }
      });
      resolve({
        url: url.trim(),
        async cpuMicros() {
          const line = nextLine();
          child.stdin.write('cpu\n');
          const { user, system } = JSON.parse(await line) as { user: number; system: number };
          return user + system;
        },
        async stop() {
          stopping = true;
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** The child's side of startChild: print the URL, answer CPU questions, stop on SIGTERM. */
export function serveChild(url: string, stop: () => Promise<void>): void {
  process.stdout.write(`${url}\n`);
  process.stdin.on('data', () => process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`));
  process.on('SIGTERM', () => void stop().finally(() => process.exit(0)));
}

/** Runs this file as a child until it exits; its last stdout line. */
export function runChild(file: string, env: Record<string, string>): Promise<string> {
  // A compiled file (.js) runs as it is; TypeScript through tsx.
  const loader = file.endsWith('.js') ? [] : ['--import', 'tsx'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loader, file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last) resolve(last);
      else reject(new Error(`engine process exited with ${code}`));
    });
  });
}
