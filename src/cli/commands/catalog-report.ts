// How `stocksync catalog discover` shows its run: a bar per connection on a terminal (one
// line per finished connection elsewhere), then the report as tables.
import cliProgress from 'cli-progress';
import type { DiscoveryProgress } from '../../engine/catalog-discovery/run.js';
import type { DiscoveryReport } from '../../engine/catalog-discovery/report.js';
import type { ItemLine } from '../../store/discovery-report.js';
import { table } from '../table.js';

export function discoveryProgress(stream: NodeJS.WriteStream): { update: (p: DiscoveryProgress) => void; stop: () => void } {
  if (!stream.isTTY) {
    return {
      update: (p) => {
        if (p.done) stream.write(`  ${p.connectionId}: ${p.items} items read\n`);
      },
      stop: () => undefined,
    };
  }
  // the totals are unknown until the last page: the bars count items read
  const bars = new cliProgress.MultiBar({ stream, format: '  {connection} {value} items {state}', hideCursor: true, clearOnComplete: false });
  const byConnection = new Map<string, cliProgress.SingleBar>();
  return {
    update(p) {
      let bar = byConnection.get(p.connectionId);
      if (!bar) byConnection.set(p.connectionId, (bar = bars.create(0, 0, { connection: p.connectionId.padEnd(16), state: 'reading' })));
      bar.setTotal(p.items);
      bar.update(p.items, { state: p.done ? 'done' : 'reading' });
    },
    stop: () => bars.stop(),
  };
}

const ids = (l: ItemLine): string =>
  Object.entries(l.platformIds)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

function items(title: string, lines: readonly ItemLine[], shown: number, withMatch = false): string[] {
  if (lines.length === 0) return [];
  const rows = lines.map((l) => [l.connectionId, l.sku ?? '(none)', ...(withMatch ? [l.matchedSku ?? '-'] : []), ids(l), l.reason ?? '']);
  const more = shown > lines.length ? [] : [`  (the first ${lines.length}; --json for the report as data)`];
  return ['', title, table(['CONNECTION', 'SKU', ...(withMatch ? ['MATCHED'] : []), 'IDS', 'REASON'], rows), ...more];
}

export function formatDiscoveryReport(r: DiscoveryReport): string {
  const t = r.totals;
  const out = [
    `discovery run ${r.runId}: ${r.status} in ${(r.durationMs / 1000).toFixed(1)} s${r.previousRun ? ` (changes since run ${r.previousRun.id})` : ' (first run)'}`,
    '',
    table(
      ['CONNECTION', 'SIDE', 'READ', 'MATCHED', 'BY BARCODE', 'UNMATCHED', 'AMBIGUOUS', 'OVERRIDDEN', 'ADDED', 'CHANGED', 'REMOVED', 'STATUS'],
      r.connections.map((c) => [
        c.connectionId,
        c.side,
        c.items,
        c.matched,
        c.byBarcode,
        c.unmatched,
        c.ambiguous,
        c.overridden,
        c.added,
        c.changed,
        c.removed,
        c.complete ? 'read' : 'failed (kept as it was)',
      ]),
    ),
    '',
    `matched ${t.matched} channel listings (${t.byBarcode} by barcode); unmatched: ${t.unmatchedChannel} on channels, ${t.unmatchedWarehouse} in warehouses; ` +
      `ambiguous ${t.ambiguous} (never pushed); listings created ${t.listingsCreated}, retired ${t.listingsRetired}; new SKUs ${t.skusCreated}`,
  ];
  if (r.skipped.length > 0) out.push(`not discoverable (kept as configured): ${r.skipped.join(', ')}`);
  out.push(...items('ambiguous: never pushed until resolved on the platform or pinned in the config', r.ambiguous, t.ambiguous, true));
  out.push(...items('unmatched', r.unmatched, t.unmatchedChannel + t.unmatchedWarehouse));
  out.push(...items('overridden by the config', r.overridden, t.overridden, true));
  if (r.changes.length > 0 || r.removed.length > 0) {
    out.push('', 'changed since the last run');
    out.push(
      table(
        ['CONNECTION', 'SKU', 'CHANGE', 'NOW'],
        [
          ...r.changes.map((c) => [c.connectionId, c.sku ?? '(none)', c.change, c.status === 'matched' ? `matched ${c.matchedSku}` : c.status]),
          ...r.removed.map((c) => [c.connectionId, c.sku ?? '(none)', 'removed', '-']),
        ],
      ),
    );
  }
  if (r.retiredListings.length > 0)
    out.push('', `retired listings (no longer pushed): ${r.retiredListings.map((l) => `${l.connectionId}/${l.sku}`).join(', ')}`);
  return out.join('\n') + '\n';
}
