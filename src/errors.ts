// Typed errors with a code a caller can act on. Expected business outcomes (an oversell,
// a duplicate, a stale compare-and-set) are results, never thrown.

export type ErrorCode =
  // configuration and input
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'INPUT_INVALID'
  | 'NOT_FOUND'
  // database
  | 'EMBEDDED_INIT_FAILED'
  | 'EMBEDDED_START_FAILED'
  // the embedded data folder holds something that is not a cluster, or is out of reach
  | 'DATA_DIR_NOT_CLUSTER'
  | 'DATA_DIR_UNREACHABLE'
  | 'DB_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  // platforms
  | 'PLATFORM_RETRYABLE'
  | 'PLATFORM_PERMANENT'
  | 'SIGNATURE_INVALID'
  // stored credentials that cannot be decrypted (tampered, wrong key, unknown format)
  | 'CREDENTIALS_UNREADABLE'
  // waited for a state that did not come (e.g. the simulation's first sync)
  | 'TIMED_OUT'
  // a child process (an engine the simulation runs) exited while it was expected to serve
  | 'ENGINE_EXITED'
  // an order batch computed against an outdated catalogue copy (rolled back and redone
  // inside the engine; the database reports the same with SQLSTATE SS409)
  | 'CATALOG_STALE';

export class StocksyncError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'StocksyncError';
  }
}

/** Bad input from a caller: names the offending field. */
export function invalidInput(field: string, reason: string): StocksyncError {
  return new StocksyncError('INPUT_INVALID', `${field}: ${reason}`, { field, reason });
}
