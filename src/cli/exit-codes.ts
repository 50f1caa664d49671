// Exit codes scripts can rely on; every command exits through this table.

import type { ErrorCode } from '../errors.js';

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** Bad command line or bad config: fix the input, do not retry. */
  USAGE: 2,
  /** The database could not be reached or started: retrying later may help. */
  DB_UNAVAILABLE: 3,
  NOT_FOUND: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// Partial on purpose: a new ErrorCode elsewhere must not break this file; unlisted codes
// are plain failures.
const BY_ERROR: Partial<Record<ErrorCode, ExitCode>> = {
  CONFIG_INVALID: EXIT.USAGE,
  CONFIG_NOT_FOUND: EXIT.USAGE,
  INPUT_INVALID: EXIT.USAGE,
  NOT_FOUND: EXIT.NOT_FOUND,
  DB_UNAVAILABLE: EXIT.DB_UNAVAILABLE,
  EMBEDDED_INIT_FAILED: EXIT.DB_UNAVAILABLE,
  EMBEDDED_START_FAILED: EXIT.DB_UNAVAILABLE,
  // A person must look at the folder: retrying changes nothing.
  DATA_DIR_NOT_CLUSTER: EXIT.USAGE,
  DATA_DIR_UNREACHABLE: EXIT.USAGE,
};

export function exitCodeFor(code: ErrorCode): ExitCode {
  return BY_ERROR[code] ?? EXIT.FAILURE;
}
