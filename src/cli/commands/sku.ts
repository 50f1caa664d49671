// `stocksync sku SKU`: ATS, each channel's target and pushed quantity, the latest ledger.
import type { Command } from 'commander';
import { StocksyncError } from '../../errors.js';
import { ats, decayedVelocity } from '../../domain/index.js';
import { DEFAULT_ADAPTIVE } from '../../engine/adaptive-settings.js';
import { latestLedgerEntries, type LedgerRow } from '../../store/ledger.js';
import { externalOrdersOfSku, type ExternalOrderView } from '../../store/sku-views.js';
import { listingsOfSku, type ListingView } from '../../store/listings.js';
import { outletKey } from '../../domain/locations.js';
import { skuDetail, type SkuDetail } from '../../store/status.js';
import { skuLocations, type SkuLocations } from '../../engine/sku-locations.js';
import { withDatabase } from '../database.js';
import { loadConfigFor, printJson } from '../context.js';
import { table } from '../table.js';

export function register(program: Command): void {
  program
    .command('sku')
    .description("one SKU: ATS, warehouse levels, each channel's target and pushed quantity, latest ledger entries")
    .argument('<sku>', 'the SKU')
    .option('--ledger <n>', 'ledger entries to show', '10')
    .option('--json', 'print as JSON')
    .action(async (sku: string, opts: { json?: boolean; ledger: string }, cmd: Command) => {
      await withDatabase(cmd, async ({ db }) => {
        const detail = await skuDetail(db, sku);
        if (!detail) throw new StocksyncError('NOT_FOUND', `SKU ${sku} is not in the catalogue`);
        const config = await loadConfigFor(cmd).catch(() => undefined);
        const windowMs = config?.adaptive.velocityWindow ?? DEFAULT_ADAPTIVE.velocityWindowMs;
        const listings = (await listingsOfSku(db, sku)).map((l) => ({
          ...l,
          unitsPerHour: round1(decayedVelocity(l.velocity, l.velocityAgeMs, windowMs) * 3600),
        }));
        const ledger = await latestLedgerEntries(db, sku, Math.max(1, Math.min(1000, Number(opts.ledger) || 10)));
        const locations = await skuLocations(
          db,
          sku,
          detail.components,
          listings.map((l) => l.connectionId),
        );
        const externalOrders = await externalOrdersOfSku(db, sku, 10);
        const view = { ...detail, ats: detail.components.length > 0 ? null : ats(detail), ...locations, listings, externalOrders, ledger };
        if (opts.json) return printJson(view);
        process.stdout.write(formatSku(detail, listings, ledger, locations, externalOrders));
      });
    });
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function formatSku(
  d: SkuDetail,
  listings: readonly (ListingView & { unitsPerHour?: number })[],
  ledger: readonly LedgerRow[],
  where: SkuLocations,
  externalOrders: readonly ExternalOrderView[] = [],
): string {
  const lines = [`${d.sku}${d.name ? `  ${d.name}` : ''}`];
  if (d.components.length > 0) {
    lines.push(`bundle of ${d.components.map((c) => `${c.quantity} x ${c.sku}`).join(', ')}`);
  } else {
    lines.push(`ATS ${ats(d)}  (available ${d.available}, claimed ${d.claimed})`);
    lines.push('', 'stock by location');
    lines.push(
      where.locations.length === 0
        ? '  none observed yet'
        : table(
            ['WAREHOUSE', 'LOCATION', 'SELLABLE', 'ON HAND', 'ALLOCATED', 'AVAILABLE', 'CLAIMED', 'ATS', 'OBSERVED'],
            where.locations.map((l) => [
              l.warehouse,
              l.location,
              l.external ? 'external' : l.sellable ? 'yes' : 'no',
              l.onHand,
              l.allocated,
              l.available,
              l.claimed,
              l.ats,
              l.observedAt === null ? '-' : l.observedAt.toISOString(),
            ]),
          ),
    );
  }
  if (where.unlocatedClaims > 0) lines.push(`claims without a location: ${where.unlocatedClaims} (counted against every location)`);
  const sourcesOf = new Map(where.channels.map((c) => [c.connectionId, c]));
  lines.push('', 'channels');
  lines.push(
    listings.length === 0
      ? '  not listed'
      : table(
          ['CONNECTION', 'PLATFORM', 'TARGET', 'PUSHED', 'SALES/H', 'BUFFER', 'STATE', 'SOURCES', 'ATS AT SOURCES'],
          listings.map((l) => [
            outletKey(l.connectionId, l.outlet),
            l.platform,
            l.target,
            l.pushed,
            l.unitsPerHour ?? '-',
            l.partitioned ? (l.raiseGated ? 'partitioned (raise held)' : 'partitioned') : 'shared',
            l.quarantinedReason ? `quarantined: ${l.quarantinedReason}` : l.dirty ? 'dirty' : 'in sync',
            sourcesOf.get(outletKey(l.connectionId, l.outlet))?.ownSources ? sourcesOf.get(outletKey(l.connectionId, l.outlet))!.sources.join(' ') : 'all',
            sourcesOf.get(outletKey(l.connectionId, l.outlet))?.ats ?? '-',
          ]),
        ),
  );
  if (externalOrders.length > 0) {
    lines.push('', 'latest orders shipped by the platform from its own stock (external: no claim)');
    lines.push(
      table(
        ['CONNECTION', 'ORDER', 'UNITS', 'STATUS', 'PLACED'],
        externalOrders.map((o) => [o.connectionId, o.externalId, o.quantity, o.status, o.placedAt.toISOString()]),
      ),
    );
  }
  lines.push('', 'latest ledger entries');
  lines.push(
    ledger.length === 0
      ? '  none'
      : table(
          ['ID', 'AT', 'KIND', 'AVAILABLE', 'CLAIMED', 'SOURCE'],
          ledger.map((e) => [e.id, e.createdAt.toISOString(), e.kind, signed(e.availableDelta), signed(e.claimedDelta), e.source]),
        ),
  );
  return lines.join('\n') + '\n';
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
