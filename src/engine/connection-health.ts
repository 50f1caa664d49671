// Whether a connection's platform answers: every call the engine makes through a
// connector is watched, and the database learns when the connection starts failing auth
// or being unreachable (after the connector's own retries) and when it answers again.
// Written on transitions only, so a healthy connection costs one write per process start.
// The `connection-failing` alert rule and the connection_failing gauge read it.
import type { Logger } from 'pino';
import { ConnectorError } from '../connectors/errors.js';
import type { Connector } from '../connectors/types.js';
import type { Db } from '../store/db.js';
import { recordConnectionFailure, recordConnectionRecovered, type ConnectionFailure } from '../store/connection-signals.js';

/** The calls to the platform; webhook verification and parsing are local and not watched. */
const PLATFORM_CALLS = new Set([
  'push',
  'readQuantities',
  'pollOrders',
  'listQuantities',
  'resolveListings',
  'pushOrder',
  'cancelOrder',
  'pollLevels',
  'listLevels',
  'adjust',
]);

/** What a failure says about the connection; undefined: nothing (a refused input, a 429). */
export function failureOf(e: unknown): ConnectionFailure | undefined {
  if (!(e instanceof ConnectorError)) return undefined;
  if (e.connectorCode === 'AUTH') return 'auth';
  if (e.connectorCode === 'NETWORK' || e.connectorCode === 'TIMEOUT' || e.connectorCode === 'SERVER') return 'unreachable';
  return undefined;
}

/** A result made only of failed outcomes (a per-listing push, an order push) fails like a throw. */
function failedResult(result: unknown): ConnectorError | undefined {
  const outcomes = Array.isArray(result) ? result : [result];
  if (outcomes.length === 0) return undefined;
  let first: ConnectorError | undefined;
  for (const o of outcomes) {
    const failed = o !== null && typeof o === 'object' && (o as { status?: unknown }).status === 'failed';
    if (!failed) return undefined;
    first ??= (o as { error: ConnectorError }).error;
  }
  return first;
}

export function watchConnectionHealth<C extends Connector>(connector: C, d: { db: Db; log: Logger; connectionId: string }): C {
  // What the database was last told by this process; undefined: nothing yet.
  let known: ConnectionFailure | 'ok' | undefined;
  let writes = Promise.resolve();
  const note = (state: ConnectionFailure | 'ok', error?: unknown) => {
    if (state === known) return;
    known = state;
    // Serialised, so a failure and the recovery after it reach the database in order.
    writes = writes
      .then(() =>
        state === 'ok' ? recordConnectionRecovered(d.db, d.connectionId) : recordConnectionFailure(d.db, d.connectionId, state, (error as Error).message),
      )
      .catch((e: unknown) => {
        known = undefined; // say it again next time
        d.log.warn({ connection: d.connectionId, err: (e as Error).message }, 'could not record connection health');
      });
    if (state !== 'ok') d.log.warn({ connection: d.connectionId, failure: state }, 'connection failing');
  };
  const observe = (result: unknown) => {
    const failed = failedResult(result);
    const failure = failed && failureOf(failed);
    if (failure) note(failure, failed);
    else if (!failed) note('ok');
    return result;
  };
  return new Proxy(connector, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !PLATFORM_CALLS.has(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return observe(await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        } catch (e) {
          const failure = failureOf(e);
          if (failure) note(failure, e);
          throw e;
        }
      };
    },
  });
}
