// Applies a staged stock file: each level it changes becomes an absolute warehouse
// observation at the file's moment, through the same path as a polled level
// (recordObservation: ledger, claim settlement, ATS, targets, dirty listings). Every level
// carries the file's own ledger key, so applying a file again after a crash changes nothing
// twice; a level stored with a later moment is kept (the observation is stale).
import type { Logger } from 'pino';
import { ConnectorError } from '../../connectors/errors.js';
import { StocksyncError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { feedChanges, markApplied } from '../../store/feed-files.js';
import { recordObservation } from '../record-observation.js';
import { feedQuarantine } from './feed-quarantine.js';

export interface FeedFileToApply {
  id: number;
  name: string;
  observedAt: Date;
  absentZero: boolean;
}

export interface AppliedFeed {
  /** Levels that changed (applied observations). */
  applied: number;
  unknownSkus: number;
  stale: number;
}

export async function applyFeedFile(d: { db: Db; log: Logger; connectionId: string }, file: FeedFileToApply): Promise<AppliedFeed> {
  const changes = await feedChanges(d.db, file.id, d.connectionId, file.absentZero);
  const quarantine = feedQuarantine(d, file.name);
  const result: AppliedFeed = { applied: 0, unknownSkus: 0, stale: 0 };
  for (const c of changes) {
    try {
      const r = await recordObservation(d.db, {
        connectionId: d.connectionId,
        location: c.location,
        sku: c.sku,
        kind: 'absolute',
        available: c.available,
        observedAt: file.observedAt,
        key: `feed:${file.id}:${c.location}:${c.sku}`,
        source: 'feed',
        read: true,
        ...(c.line === null && { note: `not in ${file.name} (absentSkus: zero)` }),
      });
      if (r.outcome === 'applied') result.applied++;
      else if (r.outcome === 'unknown_sku') result.unknownSkus++;
      else if (r.outcome === 'stale') result.stale++;
    } catch (e) {
      // A level the engine refuses (an unconfigured location, a bundle SKU) is that row's problem.
      if (!(e instanceof StocksyncError) || e instanceof ConnectorError) throw e;
      await quarantine.refuse(c.line, `${c.location}/${c.sku}: ${e.message}`);
    }
  }
  await quarantine.finish();
  await markApplied(d.db, file.id, result.applied);
  d.log.info({ connection: d.connectionId, file: file.name, observedAt: file.observedAt, ...result }, 'stock file applied');
  return result;
}
