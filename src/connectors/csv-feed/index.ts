// `platform: csv-feed`: a warehouse (a WMS, a supplier) that only exports stock files. Each
// poll reads the newest file of a local folder, an HTTPS URL or an SFTP folder as one full
// snapshot; src/engine/feed decides whether and how it is applied. It takes no orders
// (capabilities.ordersOutside) and sends no webhooks. Options: src/config/csv-feed.ts;
// user documentation: docs/csv-feed.md.
import { csvFeedOptionsSchema, missingCredentials, type CsvFeedOptions } from '../../config/csv-feed.js';
import { ConnectorError } from '../errors.js';
import type { FeedReading } from '../file-feed.js';
import type { ConnectorConfig, WarehouseConnector } from '../types.js';
import { httpsSource } from './https.js';
import { localSource } from './local.js';
import { parseRows } from './rows.js';
import type { FeedSource, OpenedFile } from './source.js';
import { sftpSource } from './sftp.js';

export function parseOptions(connectionId: string, options: Record<string, unknown>): CsvFeedOptions {
  const parsed = csvFeedOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `options.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConnectorError('REJECTED', `csv-feed connection ${connectionId}: ${why}`);
  }
  return parsed.data;
}

function sourceOf(o: CsvFeedOptions, credentials: Record<string, string>): FeedSource {
  if (o.source.protocol === 'file:') return localSource(o);
  if (o.source.protocol === 'https:') return httpsSource(o, credentials);
  return sftpSource(o, credentials);
}

/** The opened file's rows; the file is verified unchanged once they are all read. */
function readingOf(file: OpenedFile, o: CsvFeedOptions): FeedReading {
  const parsed = parseRows(file.stream, o);
  async function* rows() {
    yield* parsed.rows;
    await file.verify();
  }
  return { info: file.info, rows: rows(), summary: parsed.summary, close: file.close };
}

export function create(config: ConnectorConfig): WarehouseConnector {
  const o = parseOptions(config.connectionId, config.options);
  const missing = missingCredentials(o, config.credentials);
  if (missing) throw new ConnectorError('AUTH', `csv-feed connection ${config.connectionId}: ${missing}`);
  const source = sourceOf(o, config.credentials);
  const noOrders = (): never => {
    throw new ConnectorError('REJECTED', `csv-feed connection ${config.connectionId} takes no orders (capabilities.ordersOutside)`);
  };
  return {
    kind: 'warehouse',
    platform: 'csv-feed',
    capabilities: {
      // Nothing is pushed to a feed: orders reach the warehouse another way (docs/csv-feed.md).
      ordersOutside: { countedAfterMs: o.orderLag },
      rateLimit: { kind: 'none' },
      maxBatch: 1,
      compareAndSet: false,
      relativeAdjust: false,
      asyncApply: false,
      webhookVerification: 'hmac-sha256-base64',
    },
    // A file feed sends no webhooks: every delivery is refused (and quarantined by the route).
    verifyWebhook: () => false,
    parseWebhook: () => {
      throw new ConnectorError('PARSE', 'a csv-feed warehouse takes no webhooks; its stock comes from files');
    },
    pushOrder: async () => noOrders(),
    cancelOrder: async () => noOrders(),
    // Read through fileFeed (src/engine/feed): a level without its file's checks would skip the zeroing guard.
    pollLevels: async () => ({ items: [], next: null }),
    listLevels: async () => ({ items: [], next: null }),
    fileFeed: {
      policy: { holdIfZeroingOver: o.holdIfZeroingOver, absentSkus: o.absentSkus },
      async openLatest(skip) {
        const file = await source.openLatest(skip);
        return file === null ? null : readingOf(file, o);
      },
    },
  };
}
