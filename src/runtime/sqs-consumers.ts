// The SQS consumers of one engine process: one per Amazon connection whose config sets
// `notifications.sqs`. Every process runs them (no lease: see engine/workers/sqs-consumer.ts).
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { SqsQueueSettings } from '../connectors/amazon/sqs-queue.js';
import type { Connector } from '../connectors/types.js';
import type { ConsumeResult } from '../engine/workers/sqs-consumer.js';
import { startSqsLoop, type SqsLoop } from '../engine/workers/sqs-loop.js';
import type { Db } from '../store/db.js';
import { createInboxWriter } from '../store/inbox-writer.js';

export interface SqsSource {
  connectionId: string;
  settings: SqsQueueSettings;
  retry: { baseSeconds: number; maxSeconds: number };
}

/** The queues the config names, with their AWS keys (resolved credentials). */
export function sqsSourcesFor(config: LoadedConfig): SqsSource[] {
  return config.connections.flatMap((c) => {
    const sqs = c.kind === 'channel' ? c.notifications?.sqs : undefined;
    if (!sqs) return [];
    const accessKeyId = c.credentials['sqsAccessKeyId'];
    const secretAccessKey = c.credentials['sqsSecretAccessKey'];
    // cross-checks.ts requires both with notifications.sqs
    if (!accessKeyId || !secretAccessKey) return [];
    return [
      {
        connectionId: c.id,
        settings: {
          queueUrl: sqs.queueUrl,
          region: sqs.region,
          ...(sqs.endpoint && { endpoint: sqs.endpoint }),
          accessKeyId,
          secretAccessKey,
          waitTimeSeconds: sqs.waitTimeSeconds,
          maxMessages: sqs.maxMessages,
          ...(sqs.visibilityTimeoutSeconds !== undefined && { visibilityTimeoutSeconds: sqs.visibilityTimeoutSeconds }),
        },
        retry: { baseSeconds: sqs.retryBaseSeconds, maxSeconds: Math.max(sqs.retryBaseSeconds, sqs.retryMaxSeconds) },
      },
    ];
  });
}

export interface SqsConsumersDeps {
  db: Db;
  log: Logger;
  connectors: ReadonlyMap<string, Connector>;
  sources: readonly SqsSource[];
  /** Called after a notification is stored, to wake the inbox processor. */
  onStored: () => void;
  onRound?: (connectionId: string, r: ConsumeResult) => void;
}

export async function startSqsConsumers(d: SqsConsumersDeps): Promise<{ stop(): Promise<void> }> {
  // The AWS SDK is loaded only by an engine that consumes a queue (it takes a while to load).
  const { createNotificationQueue } = await import('../connectors/amazon/sqs-queue.js');
  // One writer for every queue of this process: their events share commits.
  const inbox = createInboxWriter(d.db, { onStored: d.onStored });
  const loops: SqsLoop[] = [];
  for (const s of d.sources) {
    const connector = d.connectors.get(s.connectionId);
    if (!connector) continue;
    d.log.info({ connection: s.connectionId, queue: s.settings.queueUrl }, 'consuming Amazon notifications from SQS');
    loops.push(
      startSqsLoop(
        { db: d.db, log: d.log, connectionId: s.connectionId, connector, queue: createNotificationQueue(s.settings), inbox, retry: s.retry },
        { ...(d.onRound && { onRound: (r: ConsumeResult) => d.onRound!(s.connectionId, r) }) },
      ),
    );
  }
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
