// GET /metrics in Prometheus text format. Off unless configured: behind its own bearer
// token (server.metricsToken) on the main port, and/or on a listener of its own
// (server.metricsAddress, e.g. 127.0.0.1:9464). Counters come from the process
// (src/metrics/counters.ts); gauges that the database holds are read at scrape time, one
// query per scrape shared by every gauge (store/metrics.ts), never per event.
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { PREFIX, processRegistry } from '../metrics/counters.js';
import type { Db } from '../store/db.js';
import { gaugeSamples, type GaugeName, type GaugeSample } from '../store/metrics.js';

const GAUGES: Record<GaugeName, { help: string; labels: readonly string[] }> = {
  inbox_pending: { help: 'Stored webhooks not processed yet, by connection', labels: ['connection'] },
  dirty_listings: { help: 'Listings whose target differs from what the channel shows, by connection', labels: ['connection'] },
  oldest_dirty_age_seconds: { help: 'Age of the oldest dirty listing (since its target changed), by connection', labels: ['connection'] },
  open_oversell_incidents: { help: 'Oversell incidents not resolved yet', labels: [] },
  reconciliation_drift_units: {
    help: 'Drift units (sum of absolute differences) the last completed reconciliation found, by connection',
    labels: ['connection'],
  },
  reconciliation_duration_seconds: { help: 'Duration of the last finished reconciliation, by connection', labels: ['connection'] },
  reconciliation_failed: { help: '1 when the last finished reconciliation failed, by connection', labels: ['connection'] },
  lease_owner: { help: 'Live leases of background work: 1 per lease and the process that owns it', labels: ['lease', 'owner'] },
  connection_failing: { help: '1 while a connection fails auth or is unreachable, by connection and failure', labels: ['connection', 'failure'] },
  alerts_firing: { help: 'Alerts fired and not resolved, by rule', labels: ['rule'] },
  alert_deliveries_pending: { help: 'Alert deliveries not delivered yet', labels: [] },
};

/** A fresh scrape reads the database once; gauges collected side by side share it. */
const SNAPSHOT_TTL_MS = 500;

const UNREADABLE: GaugeSample[] = [];
/** A database that does not answer must not hang the scrape: the counters still go out. */
const SCRAPE_DB_TIMEOUT_MS = 5_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Counters of the process plus this database's gauges. */
export function metricsRegistry(db: Db, log: Logger): Registry {
  const gauges = new Registry();
  let snapshot: { at: number; samples: Promise<GaugeSample[]> } | undefined;
  const samples = (): Promise<GaugeSample[]> => {
    if (!snapshot || Date.now() - snapshot.at > SNAPSHOT_TTL_MS) {
      const read = withTimeout(gaugeSamples(db), SCRAPE_DB_TIMEOUT_MS).catch((e: unknown) => {
        log.warn({ err: (e as Error).message }, 'metrics: the database could not be read');
        return UNREADABLE;
      });
      snapshot = { at: Date.now(), samples: read };
    }
    return snapshot.samples;
  };
  new Gauge({
    name: `${PREFIX}database_up`,
    help: '1 when this scrape could read the database',
    registers: [gauges],
    async collect() {
      this.set((await samples()) === UNREADABLE ? 0 : 1);
    },
  });
  for (const [name, spec] of Object.entries(GAUGES) as [GaugeName, (typeof GAUGES)[GaugeName]][]) {
    new Gauge({
      name: `${PREFIX}${name}`,
      help: spec.help,
      labelNames: spec.labels,
      registers: [gauges],
      async collect() {
        const rows = (await samples()).filter((s) => s.gauge === name);
        this.reset();
        for (const r of rows) {
          const labels: Record<string, string> = {};
          if (spec.labels[0]) labels[spec.labels[0]] = r.a ?? '';
          if (spec.labels[1]) labels[spec.labels[1]] = r.b ?? '';
          this.set(labels, r.value);
        }
      },
    });
  }
  return Registry.merge([processRegistry, gauges]);
}

export interface MetricsRouteOptions {
  registry: Registry;
  /** Bearer token required by the route; none: open (only on a listener of its own). */
  token?: string;
}

export function metricsRoute(app: FastifyInstance, o: MetricsRouteOptions): void {
  const expected = o.token === undefined ? undefined : digest(o.token);
  app.get('/metrics', async (req: FastifyRequest, reply: FastifyReply) => {
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'metrics token missing or wrong' });
    }
    const text = await o.registry.metrics();
    return reply.code(200).type(o.registry.contentType).send(text);
  });
}

// Hashing both sides gives equal lengths, so the comparison is timing-safe whatever is sent.
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), expected);
}

/** "host:port" (IPv6 in brackets: "[::1]:9464") -> listen options. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 0 || port > 65535) throw new Error(`not a host:port address: ${address}`);
  return { host: (m[1] ?? m[2])!, port };
}

/** The metrics endpoint on an address of its own (server.metricsAddress). */
export async function startMetricsListener(address: string, o: MetricsRouteOptions): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  metricsRoute(app, o);
  const url = await app.listen(parseListenAddress(address));
  return { url, close: () => app.close() };
}
