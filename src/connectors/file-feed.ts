// What a warehouse that only exports files (`platform: csv-feed`) offers the engine beyond
// the WarehouseConnector interface. A file is one full stock snapshot at its own moment;
// the engine (src/engine/feed) decides whether it is new, newer than the last applied,
// safe to apply (the zeroing guard), and records it. The connector only finds and reads.

/** The newest file a source holds, before it is read. */
export interface FeedFileInfo {
  /** The file's name (a folder or SFTP entry, or the URL's last path segment). */
  name: string;
  /** When the snapshot was taken: the file's mtime, or the time its name carries (options.timestamp). */
  observedAt: Date;
}

/** One data row of a file: a level, or a row refused with its reason (quarantined). */
export type FeedRow =
  | { line: number; sku: string; location: string; available: number }
  /** `sku` when the row named one: that SKU is present in the file, its level is kept as it is. */
  | { line: number; refused: string; raw: string; sku?: string; location?: string };

export interface FeedReading {
  info: FeedFileInfo;
  /** Rows in file order. Throws a ConnectorError when the file cannot be read to its end. */
  rows: AsyncIterable<FeedRow>;
  /** After `rows` is consumed: the bytes read and their SHA-256, and whether rows were lost to a CSV structure error. */
  summary(): { bytes: number; sha256: string; structureErrors: number };
  /** Releases the file (needed when `rows` is not read to its end). */
  close(): Promise<void>;
}

/** How the engine treats a file (the connection's options). */
export interface FeedPolicy {
  /** Hold a file that would take more than this share of the SKUs in stock here to zero (0..1). */
  holdIfZeroingOver: number;
  /** A SKU in stock here but absent from the file: set to zero (a full snapshot) or kept. */
  absentSkus: 'zero' | 'keep';
}

export interface FileFeed {
  policy: FeedPolicy;
  /**
   * Opens the newest file of the source, unless `skip` says the engine has already seen it
   * (or it is older than the last applied): null then, and when the source has no file.
   */
  openLatest(skip: (info: FeedFileInfo) => Promise<boolean>): Promise<FeedReading | null>;
}
