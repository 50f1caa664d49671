// `stocksync status`: connections, SKUs, dirty listings, open claims, incidents.
import type { Command } from 'commander';
import { openIncidents } from '../../store/incidents.js';
import { heldFeedFiles, type FeedFileRow } from '../../store/feed-files.js';
import { statusReport, type ConnectionStatus, type StatusReport } from '../../store/status.js';
import type { IncidentRow } from '../../store/incidents.js';
import { withDatabase } from '../database.js';
import { loadConfigFor, printJson } from '../context.js';
import { engineHealth, formatEngineHealth } from '../engine-health.js';
import { table } from '../table.js';
import { formatLocations, locationsReport } from '../locations-report.js';

export function register(program: Command): void {
  program
    .command('status')
    .description('what the engine holds: connections, SKUs, dirty listings, open claims, incidents')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      // Asked first: when the database is down, what the engine says is all there is to show.
      const engine = await engineHealth(await loadConfigFor(cmd));
      try {
        await withDatabase(cmd, async ({ db }) => {
          const report = await statusReport(db);
          const incidents = await openIncidents(db, 10);
          const held = await heldFeedFiles(db);
          const locations = await locationsReport(db);
          if (opts.json) return printJson({ ...report, locations, database: { ok: true }, engine, recentIncidents: incidents, heldFeedFiles: held });
          process.stdout.write(
            formatStatus(report, incidents, new Date(), held) +
              formatLocations(locations) +
              ['', 'database      up', ...formatEngineHealth(engine)].join('\n') +
              '\n',
          );
        });
      } catch (e) {
        const error = (e as Error).message;
        if (opts.json) printJson({ database: { ok: false, error }, engine });
        else process.stdout.write([`database      DOWN (${error})`, ...formatEngineHealth(engine)].join('\n') + '\n');
        throw e;
      }
    });
}

export function formatStatus(r: StatusReport, incidents: readonly IncidentRow[], now: Date = new Date(), held: readonly FeedFileRow[] = []): string {
  const lines = [
    'connections',
    table(
      [
        'ID',
        'KIND',
        'PLATFORM',
        'LISTINGS',
        'DIRTY',
        'PARTITIONED',
        'QUARANTINED',
        'PUSHES',
        'LOWERING P50/P95/P99',
        'THROTTLED',
        'LAST WEBHOOK',
        'LAST POLL',
        'LAST RECONCILIATION',
      ],
      r.connections.map((c) => [
        c.id,
        c.kind,
        c.platform,
        c.listings,
        c.dirtyListings,
        c.kind === 'channel' ? c.partitionedListings : '-',
        quarantineCell(c),
        c.kind === 'channel' ? `${c.pushes.calls} (${c.pushes.listings} listings)` : '-',
        c.loweringLatencyMs ? `${c.loweringLatencyMs.p50}/${c.loweringLatencyMs.p95}/${c.loweringLatencyMs.p99} ms (${c.loweringLatencyMs.count})` : '-',
        c.throttledCalls,
        ago(c.lastWebhookAt, now),
        ago(c.lastPollAt, now),
        reconciliationCell(c, now),
      ]),
    ),
    '',
    `SKUs          ${r.skus} (${r.bundles} bundles)`,
    `listings      ${r.listings} (${r.dirtyListings} dirty)`,
    `open claims   ${r.openClaims.count} (${r.openClaims.units} units)`,
    `orders        ${r.orders} (${r.ordersWithUnknownSku} with unknown SKUs)`,
    `incidents     ${r.incidents.oversell} oversell (${r.incidents.oversoldUnits} units), ${r.incidents.unknownSku} unknown SKU`,
    `pushes        ${r.pushes.calls} calls (${r.pushes.listings} listings), ${r.throttledCalls} throttled`,
    `quarantine    ${r.quarantine.records} refused records, ${r.quarantine.inboxEvents} webhook events, ${r.quarantine.listings} listings`,
  ];
  const health = r.connections.flatMap((c) => healthLines(c, now));
  if (health.length > 0) lines.push('', 'connection health', ...health);
  // A held stock file waits for a person: the warehouse's levels stay as they were until then.
  if (held.length > 0) {
    lines.push('', 'held stock files (stocksync feed confirm <connection> | discard <connection>)');
    for (const f of held) lines.push(`  ${f.connectionId}: ${f.name}, taken ${f.observedAt.toISOString()} (${ago(f.observedAt, now)}): ${f.note ?? ''}`);
  }
  if (incidents.length > 0) {
    lines.push('', 'recent incidents');
    lines.push(
      table(
        ['ID', 'KIND', 'SKU', 'ORDER', 'CONNECTION', 'UNITS SHORT', 'AT'],
        incidents.map((i) => [i.id, i.kind, i.sku, i.orderId, i.connectionId, i.unitsShort, i.createdAt.toISOString()]),
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** A paused connection and the state of its webhooks, one line each. */
function healthLines(c: ConnectionStatus, now: Date): string[] {
  const out: string[] = [];
  const o = c.operatorPause;
  if (o) out.push(`  ${c.id}: PAUSED by an operator since ${o.pausedAt.toISOString()} (${ago(o.pausedAt, now)}): ${o.reason}`);
  const p = c.authPause;
  if (p) {
    const next = new Date(p.nextRetryAt).getTime() - now.getTime();
    out.push(
      `  ${c.id}: PAUSED, failing auth since ${new Date(p.since).toISOString()} (${ago(p.since, now)}), ` +
        `${p.attempts} failed probe${p.attempts === 1 ? '' : 's'}, next retry ${next > 0 ? `in ${Math.ceil(next / 1000)}s` : 'now'}: ${p.lastError}`,
    );
  }
  const w = c.webhooks;
  if (w) {
    const states = Object.entries(w.byStatus ?? {})
      .map(([status, n]) => `${n} ${status}`)
      .join(', ');
    const last = w.lastReenabledAt ? `, last re-enabled ${ago(w.lastReenabledAt, now)} (${w.lastReenabledTopics.join(', ')}; ${w.reenabled} in all)` : '';
    out.push(`  ${c.id}: webhooks ${states || 'none for us'} (checked ${ago(w.checkedAt, now)})${last}`);
  }
  const g = c.webhookRegistration;
  if (g) {
    const what = g.ok
      ? 'complete'
      : `INCOMPLETE (${g.missing.length > 0 ? `missing ${g.missing.join(', ')}` : `${g.failed} failed`}${g.error ? `: ${g.error}` : ''})`;
    out.push(`  ${c.id}: webhooks registered ${ago(g.registeredAt, now)} at ${g.address}: ${what}; ${g.kept} kept, ${g.created} created, ${g.removed} removed`);
  }
  return out;
}

/** Listings out of dispatch, plus refused records and events when there are any. */
function quarantineCell(c: ConnectionStatus): string {
  const q = c.quarantine;
  const others = q.records + q.inboxEvents;
  return others === 0 ? String(q.listings) : `${q.listings} (+${others} records)`;
}

function reconciliationCell(c: ConnectionStatus, now: Date): string {
  const r = c.lastReconciliation;
  if (!r) return 'never';
  if (r.status === 'running') return `running since ${ago(r.startedAt, now)}`;
  if (r.status === 'failed') return `failed ${ago(r.finishedAt ?? r.startedAt, now)}`;
  return `${ago(r.finishedAt ?? r.startedAt, now)}, ${r.drifted} drift`;
}

/** "never", "4s ago", "12m ago", "3h ago", "2d ago". */
export function ago(at: Date | null, now: Date): string {
  if (!at) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - new Date(at).getTime()) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}
