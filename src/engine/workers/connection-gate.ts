// A connection whose platform refuses our credentials (401/403, ConnectorError AUTH) is
// paused as a whole: its work waits, backing off, and the first call that gets through
// again resumes it. A credentials problem is never a listing's fault, so no listing is
// quarantined for it (issue 14, defect 1: a rotated token stranded listings above stock).
import type { Logger } from 'pino';
import { ConnectorError } from '../../connectors/errors.js';
import { connectionPause, pauseForAuth, resumeConnection, type PauseBackoff } from '../../store/connection-pauses.js';
import type { Queryable } from '../../store/db.js';

/** First probe 5 s after the failure, then doubling up to 5 minutes (each with jitter). */
export const DEFAULT_AUTH_BACKOFF: PauseBackoff = { baseMs: 5_000, maxMs: 300_000 };

/** open: work as usual; closed: paused, wait; probe: paused, and one probe is due now. */
export type Gate = 'open' | 'closed' | 'probe';

export async function gateOf(q: Queryable, connectionId: string): Promise<Gate> {
  const pause = await connectionPause(q, connectionId);
  return !pause ? 'open' : pause.due ? 'probe' : 'closed';
}

export function isAuthFailure(e: unknown): boolean {
  return e instanceof ConnectorError && e.connectorCode === 'AUTH';
}

export async function pauseOnAuthFailure(
  q: Queryable,
  log: Logger,
  connectionId: string,
  error: ConnectorError,
  backoff: PauseBackoff = DEFAULT_AUTH_BACKOFF,
): Promise<void> {
  const pause = await pauseForAuth(q, connectionId, `${error.connectorCode}: ${error.message}`, backoff);
  log.warn(
    { connection: connectionId, err: error.message, since: pause.since, attempts: pause.attempts, nextRetryAt: pause.nextRetryAt },
    'connection paused: the platform refuses our credentials; retrying with backoff',
  );
}

/** The platform answered a call with our credentials: a pause, if any, ends. */
export async function resumeOnSuccess(q: Queryable, log: Logger, connectionId: string): Promise<void> {
  if (await resumeConnection(q, connectionId)) log.info({ connection: connectionId }, 'connection resumed: the platform takes our credentials again');
}
