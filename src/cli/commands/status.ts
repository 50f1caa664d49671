// `stocksync status`: connections, SKUs, dirty listings, open claims, incidents.
import type { Command } from 'commander';
import { openIncidents } from '../../store/incidents.js';
import { statusReport, type StatusReport } from '../../store/status.js';
import type { IncidentRow } from '../../store/incidents.js';
import { withDatabase } from '../database.js';
import { printJson } from '../context.js';
import { table } from '../table.js';

export function register(program: Command): void {
  program
    .command('status')
    .description('what the engine holds: connections, SKUs, dirty listings, open claims, incidents')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withDatabase(cmd, async ({ db }) => {
        const report = await statusReport(db);
        const incidents = await openIncidents(db, 10);
        if (opts.json) return printJson({ ...report, recentIncidents: incidents });
        process.stdout.write(formatStatus(report, incidents));
      });
    });
}

export function formatStatus(r: StatusReport, incidents: readonly IncidentRow[]): string {
  const lines = [
    'connections',
    table(
      ['ID', 'KIND', 'PLATFORM', 'LISTINGS', 'DIRTY', 'QUARANTINED'],
      r.connections.map((c) => [c.id, c.kind, c.platform, c.listings, c.dirtyListings, c.quarantinedListings]),
    ),
    '',
    `SKUs          ${r.skus} (${r.bundles} bundles)`,
    `listings      ${r.listings} (${r.dirtyListings} dirty)`,
    `open claims   ${r.openClaims.count} (${r.openClaims.units} units)`,
    `orders        ${r.orders} (${r.ordersWithUnknownSku} with unknown SKUs)`,
    `incidents     ${r.incidents.oversell} oversell (${r.incidents.oversoldUnits} units), ${r.incidents.unknownSku} unknown SKU`,
  ];
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
