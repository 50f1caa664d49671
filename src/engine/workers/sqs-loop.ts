// Runs an SQS consumer (sqs-consumer.ts) until stopped: long poll after long poll, and
// after a failed receive a pause that doubles (with jitter) up to a minute, or up to
// five minutes while AWS refuses our credentials. stop() aborts the long poll in flight
// (AbortController), so shutdown does not wait out the 20-second poll.
import { ConnectorError } from '../../connectors/errors.js';
import { consumeOnce, type ConsumeResult, type SqsConsumerDeps } from './sqs-consumer.js';

export interface SqsLoop {
  stop(): Promise<void>;
}

export interface SqsLoopOptions {
  /** First pause after a failed receive (default 1 s). */
  errorBackoffMs?: number;
  onRound?: (r: ConsumeResult) => void;
}

const MAX_ERROR_BACKOFF_MS = 60_000;
const MAX_AUTH_BACKOFF_MS = 300_000;

export function startSqsLoop(d: SqsConsumerDeps, o: SqsLoopOptions = {}): SqsLoop {
  const abort = new AbortController();
  const base = o.errorBackoffMs ?? 1_000;
  const random = d.random ?? Math.random;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (abort.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        abort.signal.removeEventListener('abort', done);
        resolve();
      }
      abort.signal.addEventListener('abort', done, { once: true });
    });

  const run = async () => {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        const r = await consumeOnce(d, abort.signal);
        failures = 0;
        if (r.received > 0 || !abort.signal.aborted) o.onRound?.(r);
      } catch (e) {
        if (abort.signal.aborted) break;
        failures++;
        const auth = e instanceof ConnectorError && e.connectorCode === 'AUTH';
        const cap = auth ? MAX_AUTH_BACKOFF_MS : MAX_ERROR_BACKOFF_MS;
        const wait = Math.min(cap, base * 2 ** Math.min(failures - 1, 20));
        d.log.error({ connection: d.connectionId, err: (e as Error).message, retryInMs: wait }, 'SQS receive failed');
        await pause(Math.round(wait / 2 + random() * (wait / 2)));
      }
    }
  };
  const running = run();
  return {
    async stop() {
      abort.abort();
      await running;
      d.queue.close();
    },
  };
}
