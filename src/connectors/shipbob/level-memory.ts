// What the incremental poll last reported per SKU and location. ShipBob's inventory API
// has no changed-since filter and ShipBob sends no inventory webhook, so layer 3 reads the
// whole inventory every interval; this memory keeps it incremental for the engine: a poll
// page carries only the levels whose numbers changed since they were last reported,
// which keeps an unchanged catalogue from writing a ledger entry per SKU every poll.
//
// A level stays "unreported" until the engine has ingested its page (it asks for the page
// after it, or starts a new sweep, with a later `since`, once the last one completed): a
// page the engine failed to ingest is read again and reported again. Two more reasons to report an unchanged
// level: an order touched the SKU and the last report was not later than that (its claim
// settles only on a later observation), and a refresh interval, after which every level is
// reported once more (bounded staleness for anything else). The memory is per process: after
// a restart the first poll reports everything.
import type { WarehouseLevel } from '../types.js';

export interface LevelMemory {
  /** The levels of one page worth reporting; remembered once the engine asks for `next`. */
  changed(levels: WarehouseLevel[], next: string | null, since: Date): WarehouseLevel[];
  /**
   * The engine asks for the page at `cursor`: the page before it was ingested. A null cursor
   * with a later `since` than the last page's is a new sweep: the last one completed. (The
   * engine moves `since` only when a sweep completes; a retried first page keeps it, except
   * in a connection's very first sweep, whose `since` is "now - lookback": a failed
   * one-page first sweep is then reported again only by the refresh or reconciliation.)
   */
  confirm(cursor: string | null, since: Date): void;
  /** An order was accepted or cancelled at `at` (warehouse clock) for these SKUs. */
  touch(skus: readonly string[], at: Date): void;
}

const END = '\u0000end';

export function createLevelMemory(refreshMs: number): LevelMemory {
  const reported = new Map<string, { sig: string; at: number }>();
  const touched = new Map<string, number>();
  const pending = new Map<string, { levels: WarehouseLevel[]; sinceMs: number }>();
  const keyOf = (l: WarehouseLevel) => JSON.stringify([l.sku, l.location]);
  const sigOf = (l: WarehouseLevel) => `${l.available}/${l.onHand ?? ''}/${l.allocated ?? ''}`;
  return {
    changed(levels, next, since) {
      const out = levels.filter((l) => {
        const prev = reported.get(keyOf(l));
        const at = l.observedAt.getTime();
        if (!prev || prev.sig !== sigOf(l) || at - prev.at >= refreshMs) return true;
        const t = touched.get(l.sku);
        return t !== undefined && prev.at <= t && at > t;
      });
      pending.set(next ?? END, { levels: out, sinceMs: since.getTime() });
      return out;
    },
    confirm(cursor, since) {
      const last = pending.get(cursor ?? END);
      const ingested = last && (cursor !== null || since.getTime() > last.sinceMs) ? last.levels : [];
      pending.clear();
      for (const l of ingested) {
        reported.set(keyOf(l), { sig: sigOf(l), at: l.observedAt.getTime() });
        const t = touched.get(l.sku);
        if (t !== undefined && l.observedAt.getTime() > t) touched.delete(l.sku);
      }
    },
    touch(skus, at) {
      for (const sku of skus) touched.set(sku, Math.max(touched.get(sku) ?? 0, at.getTime()));
    },
  };
}
