// What each kind of source (local folder, HTTPS URL, SFTP folder) gives the connector: the
// newest file, opened as a byte stream, and a check after reading that the file did not
// change underneath (a file rewritten in place while read is a mix of two exports).
import type { Readable } from 'node:stream';
import type { FeedFileInfo } from '../file-feed.js';

export interface OpenedFile {
  info: FeedFileInfo;
  stream: Readable;
  /** After the stream ended: throws a retryable ConnectorError when the file changed meanwhile. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

export interface FeedSource {
  openLatest(skip: (info: FeedFileInfo) => Promise<boolean>): Promise<OpenedFile | null>;
}
