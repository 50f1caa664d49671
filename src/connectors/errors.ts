// Platform call failures, classified once so the engine knows what to retry.
import { StocksyncError } from '../errors.js';

export type ConnectorErrorCode =
  | 'RATE_LIMITED' // 429, THROTTLED, QuotaExceeded
  | 'TIMEOUT'
  | 'NETWORK' // connection refused or reset
  | 'SERVER' // 5xx
  | 'AUTH' // 401, 403
  | 'NOT_FOUND' // 404: the listing or order does not exist there
  | 'REJECTED' // 4xx or a user error: the platform refused this input
  | 'PARSE'; // a response or webhook we cannot understand

/** Which failures a retry can fix. Everything else is permanent: quarantine, do not loop. */
export const RETRYABLE: Readonly<Record<ConnectorErrorCode, boolean>> = {
  RATE_LIMITED: true,
  TIMEOUT: true,
  NETWORK: true,
  SERVER: true,
  AUTH: false,
  NOT_FOUND: false,
  REJECTED: false,
  PARSE: false,
};

export class ConnectorError extends StocksyncError {
  readonly retryable: boolean;
  constructor(
    readonly connectorCode: ConnectorErrorCode,
    message: string,
    readonly info: { status?: number; retryAfterMs?: number; platformCode?: string } = {},
  ) {
    super(RETRYABLE[connectorCode] ? 'PLATFORM_RETRYABLE' : 'PLATFORM_PERMANENT', message, { connectorCode, ...info });
    this.name = 'ConnectorError';
    this.retryable = RETRYABLE[connectorCode];
  }
}

export function errorFromStatus(status: number, message: string, retryAfterMs?: number): ConnectorError {
  const code: ConnectorErrorCode =
    status === 429
      ? 'RATE_LIMITED'
      : status === 401 || status === 403
        ? 'AUTH'
        : status === 404
          ? 'NOT_FOUND'
          : status === 408
            ? 'TIMEOUT'
            : status >= 500
              ? 'SERVER'
              : 'REJECTED';
  return new ConnectorError(code, message, { status, ...(retryAfterMs !== undefined && { retryAfterMs }) });
}
