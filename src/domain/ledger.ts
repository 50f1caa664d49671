import { StocksyncError } from '../errors.js';
import { assertQuantity } from './quantities.js';
import type { LedgerEntry, LedgerKind, SkuStock } from './types.js';

/**
 * Problems with one ledger entry (empty = valid): integer deltas, and deltas that match
 * the kind, because a claim that adds stock or an observation that touches claims is a
 * bug upstream and must not be silently folded into the totals.
 * - observations change `available` only;
 * - claim adds claims (> 0), release and settle remove them (< 0), never `available`
 *   (the warehouse observation that makes a claim settle carries its own level change);
 * - reconcile may correct either.
 */
export function validateEntry(entry: LedgerEntry): string[] {
  const problems: string[] = [];
  const where = `ledger entry ${entry.key}`;
  if (typeof entry.key !== 'string' || entry.key === '') problems.push(`ledger entry: key must be a non-empty string`);
  for (const field of ['availableDelta', 'claimedDelta'] as const) {
    try {
      assertQuantity(`${where}.${field}`, entry[field], { allowZero: true, allowNegative: true });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const rule = RULES[entry.kind];
  if (rule === undefined) problems.push(`${where}.kind: unknown kind ${String(entry.kind)}`);
  else problems.push(...rule(entry).map((r) => `${where} (${entry.kind}): ${r}`));
  return problems;
}

const RULES: Record<LedgerKind, (e: LedgerEntry) => string[]> = {
  observe_absolute: (e) => (e.claimedDelta !== 0 ? ['claimedDelta must be 0'] : []),
  observe_delta: (e) => (e.claimedDelta !== 0 ? ['claimedDelta must be 0'] : []),
  claim: (e) => [...(e.availableDelta !== 0 ? ['availableDelta must be 0'] : []), ...(!(e.claimedDelta > 0) ? ['claimedDelta must be positive'] : [])],
  release: (e) => [...(e.availableDelta !== 0 ? ['availableDelta must be 0'] : []), ...(!(e.claimedDelta < 0) ? ['claimedDelta must be negative'] : [])],
  settle: (e) => [...(e.availableDelta !== 0 ? ['availableDelta must be 0'] : []), ...(!(e.claimedDelta < 0) ? ['claimedDelta must be negative'] : [])],
  reconcile: () => [],
};

/**
 * Applies one entry. Idempotent: an entry whose key was already applied returns `stock`
 * unchanged (the same object), which is what makes a redelivered webhook, a re-polled row
 * or a replayed order line harmless (invariant 1, docs/invariants.md). Deltas are plain additions,
 * so distinct entries commute: any order gives the same totals. Claims are not clamped at
 * 0; a negative total would reveal a bug and must stay visible.
 * Throws INPUT_INVALID for an entry validateEntry rejects.
 */
export function applyEntry(stock: SkuStock, entry: LedgerEntry): SkuStock {
  if (stock.appliedKeys.has(entry.key)) return stock;
  check(entry);
  const appliedKeys = new Set(stock.appliedKeys);
  appliedKeys.add(entry.key);
  return {
    available: stock.available + entry.availableDelta,
    claimed: stock.claimed + entry.claimedDelta,
    appliedKeys,
  };
}

/** Applies entries in order, with the same idempotency (also within `entries`), copying the key set once. */
export function applyEntries(stock: SkuStock, entries: Iterable<LedgerEntry>): SkuStock {
  let available = stock.available;
  let claimed = stock.claimed;
  let appliedKeys: Set<string> | undefined;
  for (const entry of entries) {
    if ((appliedKeys ?? stock.appliedKeys).has(entry.key)) continue;
    check(entry);
    appliedKeys ??= new Set(stock.appliedKeys);
    appliedKeys.add(entry.key);
    available += entry.availableDelta;
    claimed += entry.claimedDelta;
  }
  return appliedKeys === undefined ? stock : { available, claimed, appliedKeys };
}

/** An empty stock: nothing available, nothing claimed, no entry applied. */
export function emptyStock(): SkuStock {
  return { available: 0, claimed: 0, appliedKeys: new Set() };
}

function check(entry: LedgerEntry): void {
  const problems = validateEntry(entry);
  if (problems.length > 0) {
    throw new StocksyncError('INPUT_INVALID', problems.join('; '), { key: entry.key, problems });
  }
}
