// A person's answer to a held stock file (`stocksync feed confirm|discard <connection>`,
// or the admin API): confirm applies exactly the rows that were held, at the file's own
// moment, so anything observed since still wins; discard drops it for good.
import type { Logger } from 'pino';
import { StocksyncError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { decideHeldFile, type FeedFileRow } from '../../store/feed-files.js';
import { warehouseConnection } from '../connections.js';
import { applyFeedFile, type AppliedFeed } from './apply-feed.js';

export type FeedDecision = { decision: 'confirmed'; file: FeedFileRow; result: AppliedFeed } | { decision: 'discarded'; file: FeedFileRow };

export async function decideHeldFeed(d: { db: Db; log: Logger }, connectionId: string, decision: 'confirm' | 'discard', by: string): Promise<FeedDecision> {
  await warehouseConnection(d.db, connectionId);
  // One statement claims the held file: of two people confirming at once, one applies it.
  const file = await decideHeldFile(d.db, connectionId, decision === 'confirm' ? 'applying' : 'discarded', by);
  if (file === null) throw new StocksyncError('NOT_FOUND', `connection ${connectionId} has no held stock file (a newer file may have superseded it)`);
  d.log.info({ connection: connectionId, file: file.name, decision, by }, 'held stock file decided');
  if (decision === 'discard') return { decision: 'discarded', file };
  const result = await applyFeedFile(
    { ...d, connectionId },
    { id: file.id, name: file.name, observedAt: file.observedAt, absentZero: file.absentZero ?? false },
  );
  return { decision: 'confirmed', file: { ...file, status: 'applied', applied: result.applied }, result };
}
