// The chaos part of a run with several engines: the faults (chaos.ts) and the lease watch
// (lease-watch.ts) from the first sale until every engine is back up, then the report's
// `chaos` section: what was done, the hand-overs, and the integrity counts (chaos-report.ts).
import type { FleetStack } from '../harness/fleet-stack.js';
import { quarantinedListingCounts } from '../store/listings.js';
import { ChaosMonkey } from './chaos.js';
import { integrityCounts, type WarehouseOrderTruth } from './chaos-report.js';
import { LeaseWatch } from './lease-watch.js';
import type { OrderBook } from './order-book.js';
import type { FleetRun } from './types.js';

export interface RunningChaos {
  /** Ends the faults and brings every engine back up (the settling then runs without chaos). */
  endFaults(): Promise<void>;
  /** Stops the faults and the watch without restarting anything (a failed run's cleanup). */
  halt(): Promise<void>;
  report(orders: OrderBook): Promise<Record<string, unknown>>;
}

export const CHAOS_DEFINITIONS = {
  ordersLost: 'orders placed on a channel (not cancelled by the shopper) that the engines never recorded (their orders table)',
  ordersRecordedTwice: 'engine orders beyond the first for one channel order',
  claimsDoubled: 'claim rows beyond one per line of a channel order, over every engine order recording it (the claims table)',
  unitsPushedTwice: "units of the 3PL's orders beyond the first for one channel order (the sandbox 3PL's orders, by the engine's reference id)",
  leaseHandOverMs:
    "real ms from an engine's death (SIGKILL, the SIGTERM of a deploy, SIGSTOP) to another owner holding a lease it held, read from the leases table every sampleMs; a loop steps as soon as it holds its lease. The inbox (one per process) and reconciliation leases are not handed over and not counted",
};

export function startChaos(stack: FleetStack, run: FleetRun, seed: number, log: (line: string) => void): RunningChaos {
  const monkey = new ChaosMonkey({ fleet: stack.fleet, server: run.server, profile: run.chaos, seed, log });
  const watch = new LeaseWatch(stack.db);
  watch.start();
  monkey.start();
  const started = Date.now();
  let faultsEnded: number | undefined;
  let halted = false;
  const halt = async () => {
    if (halted) return;
    halted = true;
    await monkey.halt();
    await watch.stop();
  };
  return {
    async endFaults() {
      await monkey.stop();
      faultsEnded = Date.now();
    },
    halt,
    async report(orders) {
      await halt();
      const warehouseOrders = (stack.instance('warehouse').control.truth() as { orders: WarehouseOrderTruth[] }).orders;
      const integrity = await integrityCounts(stack.db, orders, warehouseOrders);
      const handOvers = watch.handOvers(monkey.events);
      const count = (action: string) => monkey.events.filter((e) => e.action === action && !e.outcome.startsWith('skipped')).length;
      return {
        profile: run.chaos.name,
        engines: run.engines,
        database: run.server.kind,
        faultsForMs: (faultsEnded ?? Date.now()) - started,
        kills: count('kill'),
        deploys: count('deploy'),
        pauses: count('pause'),
        postgresRestarts: count('restart-postgres'),
        ordersLost: integrity.ordersLost,
        ordersRecordedTwice: integrity.ordersRecordedTwice,
        claimsDoubled: integrity.claimsDoubled,
        unitsPushedTwice: integrity.unitsPushedTwice,
        leaseHandOverMs: {
          p50: handOvers.p50,
          max: handOvers.max,
          count: handOvers.count,
          notHandedOver: handOvers.notHandedOver,
          byAction: handOvers.byAction,
        },
        cancelledOrdersNeverRecorded: integrity.cancelledOrdersNeverRecorded,
        // Listings a failed push set aside (a dispatcher's non-retryable error): nothing pushes them again.
        listingsQuarantinedAtEnd: byReason(await quarantinedListingCounts(stack.db)),
        examples: integrity.examples,
        webhooks: stack.balancer.stats,
        // An engine that died of something else than a fault (stays down until the faults end).
        unexpectedExits: stack.fleet.exits.filter((x) => !monkey.events.some((e) => e.pid === x.pid && e.action !== 'pause')).length,
        restartedAfterUnexpectedExit: monkey.crashRestarts,
        engineStarts: stack.fleet.starts.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        engineExits: stack.fleet.exits.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        events: monkey.events.map((e) => ({ ...e, at: new Date(e.at).toISOString(), ...(e.endedAt && { endedAt: new Date(e.endedAt).toISOString() }) })),
        handOvers: handOvers.detail,
        leaseReadsFailed: watch.failedReads,
        definitions: CHAOS_DEFINITIONS,
      };
    },
  };
}

/** "connection: reason" -> listings, with the listing named in a reason left out so that alike reasons add up. */
function byReason(rows: readonly { connectionId: string; reason: string; listings: number }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) {
    const key = `${r.connectionId}: ${r.reason.replace(/listing \d+ \([^)]*\)/, 'listing N')}`;
    counts[key] = (counts[key] ?? 0) + r.listings;
  }
  return counts;
}
