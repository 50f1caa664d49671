// The locations part of `stocksync status` (docs/locations.md): each location's stock and
// the claims routed to it, claims without a location, and the channels with their own sources.
import { loadSourceLayout } from '../engine/source-layout.js';
import type { Queryable } from '../store/db.js';
import { locationTotals, type LocationTotals } from '../store/locations.js';
import { table } from './table.js';

export interface LocationsReport {
  locations: LocationTotals[];
  unlocatedClaims: number;
  /** Channel id -> its own sources (`warehouse/code`, routing order); absent: every sellable location. */
  channelSources: Record<string, string[]>;
}

export async function locationsReport(q: Queryable): Promise<LocationsReport> {
  const [totals, layout] = [await locationTotals(q), await loadSourceLayout(q)];
  return { ...totals, channelSources: Object.fromEntries([...layout.configured].map(([c, s]) => [c, [...s]])) };
}

export function formatLocations(r: LocationsReport): string {
  if (r.locations.length === 0) return '';
  const lines = [
    '',
    'locations',
    table(
      ['WAREHOUSE', 'LOCATION', 'SELLABLE', 'SKUS', 'AVAILABLE', 'CLAIMED'],
      r.locations.map((l) => [l.warehouse, l.code, l.external ? 'external' : l.sellable ? 'yes' : 'no', l.skus, l.available, l.claimed]),
    ),
  ];
  if (r.unlocatedClaims > 0) lines.push(`claims without a location: ${r.unlocatedClaims} units (counted against every location)`);
  for (const [c, sources] of Object.entries(r.channelSources)) lines.push(`${c} sells from ${sources.join(', ')}`);
  return lines.join('\n') + '\n';
}
