// Lease hand-overs, read from the leases table: who holds each shared piece of work
// (a channel's dispatcher, a connection's poller, the 3PL order pusher, the re-planner,
// retention), sampled every few hundred ms. After an owner's death (SIGKILL, a deploy's
// SIGTERM, a pause past the TTL), the hand-over time of each lease it held is the time
// until another owner holds it: a loop takes its lease and steps at once, so that is
// when the work resumes (within the sampling interval).
import type { Db } from '../store/db.js';
import { leaseHolders } from '../store/leases.js';
import type { ChaosEvent } from './chaos.js';
import { percentiles, sleep, type Percentiles } from './types.js';

/** Leases of one process (its inbox loop) or of one run (a reconciliation) are never handed over. */
const UNSHARED = /^(inbox|reconcile):/;

interface Sighting {
  at: number;
  owner: string;
}

export interface HandOver {
  lease: string;
  action: ChaosEvent['action'];
  engine: number | undefined;
  /** Real ms from the death to another owner holding the lease; null: never within the run. */
  ms: number | null;
}

export interface HandOverSummary extends Percentiles {
  count: number;
  /** Leases the dead owner held that no other owner took before the run ended. */
  notHandedOver: number;
  sampleMs: number;
  byAction: Record<string, { count: number; p50: number; max: number }>;
  detail: HandOver[];
}

export class LeaseWatch {
  /** Per lease, every owner seen, in order, with when it was first seen. */
  private readonly history = new Map<string, Sighting[]>();
  private running = false;
  private loop: Promise<void> | undefined;
  failedReads = 0;

  constructor(
    private readonly db: Db,
    private readonly sampleMs = 200,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sample();
        await sleep(this.sampleMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async sample(): Promise<void> {
    let rows;
    try {
      rows = await leaseHolders(this.db);
    } catch {
      this.failedReads++; // the database restarting: the next sample sees what changed
      return;
    }
    const at = Date.now();
    for (const row of rows) {
      if (UNSHARED.test(row.name)) continue;
      const seen = this.history.get(row.name) ?? [];
      if (seen.at(-1)?.owner !== row.owner) seen.push({ at, owner: row.owner });
      this.history.set(row.name, seen);
    }
  }

  /** The hand-over after each death among `events` (kills, deploys, pauses). */
  handOvers(events: readonly ChaosEvent[]): HandOverSummary {
    const detail: HandOver[] = [];
    for (const event of events) {
      if (event.pid === undefined || event.action === 'restart-postgres') continue;
      for (const [lease, seen] of this.history) {
        const holder = [...seen].reverse().find((s) => s.at <= event.at);
        if (!holder || pidOfOwner(holder.owner) !== event.pid) continue;
        // Only until the same process's next death: a paused engine that resumed and kept
        // its lease hands it over at a later death, which counts for that one.
        const until = events.find((e) => e.pid === event.pid && e.at > event.at && e.action !== 'restart-postgres')?.at ?? Infinity;
        const taken = seen.find((s) => s.at > event.at && s.at <= until && s.owner !== holder.owner);
        detail.push({ lease, action: event.action, engine: event.engine, ms: taken ? taken.at - event.at : null });
      }
    }
    const timed = detail.flatMap((h) => (h.ms === null ? [] : [h.ms]));
    const byAction: HandOverSummary['byAction'] = {};
    for (const action of new Set(detail.map((h) => h.action))) {
      const ms = detail.flatMap((h) => (h.action === action && h.ms !== null ? [h.ms] : []));
      const p = percentiles(ms);
      byAction[action] = { count: ms.length, p50: p.p50, max: p.max };
    }
    return { ...percentiles(timed), count: timed.length, notHandedOver: detail.length - timed.length, sampleMs: this.sampleMs, byAction, detail };
  }
}

/** The engines name a lease owner `host:pid:random` (src/runtime/workers.ts). */
function pidOfOwner(owner: string): number | undefined {
  const pid = Number(owner.split(':').at(-2));
  return Number.isInteger(pid) ? pid : undefined;
}
