// Catalogue discovery in a running engine (config `catalog: { discover: true }`): once at
// start, in the background (the engine serves and syncs meanwhile), then on
// `catalog.schedule`. Several engines on one database: the discovery lease makes one run
// at a time; the others skip their turn.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Connector } from '../connectors/types.js';
import { discoverFromConfig } from '../engine/catalog-discovery/from-config.js';
import type { Db } from '../store/db.js';
import type { DiscoveryTrigger } from '../store/discovery-runs.js';

export interface DiscoverySchedule {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startDiscoverySchedule(d: {
  db: Db;
  log: Logger;
  config: LoadedConfig;
  connectors: ReadonlyMap<string, Connector>;
}): DiscoverySchedule | undefined {
  if (!d.config.catalog.discover) return undefined;
  const running = new Set<Promise<void>>();
  const run = (trigger: DiscoveryTrigger): Promise<void> => {
    const job = discoverFromConfig(d.db, d.config, d.connectors, trigger, undefined, d.log)
      .then((outcome) => {
        if (outcome.status === 'busy') return d.log.info({ trigger }, 'catalogue discovery skipped: another process is running it');
        const { totals, status, runId } = outcome.report;
        const level = status === 'succeeded' ? 'info' : 'warn';
        d.log[level]({ runId, status, trigger, ...totals }, 'catalogue discovered');
        if (totals.ambiguous > 0)
          d.log.warn({ ambiguous: outcome.report.ambiguous.slice(0, 20) }, 'ambiguous listings are not pushed: see `stocksync catalog discover`');
      })
      .catch((e: unknown) => d.log.error({ trigger, err: (e as Error).message }, 'catalogue discovery failed'));
    running.add(job);
    void job.finally(() => running.delete(job));
    return job;
  };
  void run('start');
  const cron = new Cron(d.config.catalog.schedule, { protect: true }, () => run('schedule'));
  return {
    async stop() {
      cron.stop();
      await Promise.all([...running]);
    },
  };
}
