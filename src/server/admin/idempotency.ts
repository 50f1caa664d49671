// Idempotency-Key on the admin API's writes: the first request with a key runs and its answer
// is stored with the request's fingerprint; a repeat gets the stored answer (header
// Idempotent-Replayed: true); the same key on a different request is 422. Behind it, every
// write is itself keyed (ledger keys from the Idempotency-Key, order ids), so a request that
// died mid-way can be retried once its key is given up (store/api-idempotency.ts).
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import * as z from 'zod';
import type { Db } from '../../store/db.js';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../../store/api-idempotency.js';
import { ApiProblem, fromZod, toProblem } from './problem.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export const idempotencyKeySchema = z
  .string({ error: 'is required on this write (any unique string, e.g. a UUID)' })
  .min(8, 'must be 8 to 200 characters')
  .max(200, 'must be 8 to 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The key of a request, validated; undefined when absent and not required. */
export function idempotencyKeyOf(req: FastifyRequest, required: boolean): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined && !required) return undefined;
  const parsed = idempotencyKeySchema.safeParse(Array.isArray(raw) ? raw[0] : raw);
  if (!parsed.success) throw fromZod('header', new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: [IDEMPOTENCY_HEADER] }))));
  return parsed.data;
}

/** What makes two requests "the same": method, path and query, and the body. */
export function fingerprint(req: FastifyRequest): string {
  const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null);
  return createHash('sha256').update(`${req.method} ${req.url}\n`).update(body).digest('base64url');
}

/** Runs `run` at most once per key; replays its answer to a repeat. */
export async function once(db: Db, req: FastifyRequest, key: string, run: () => Promise<Answer>): Promise<Answer> {
  const claim = await claimIdempotencyKey(db, key, fingerprint(req));
  if (claim.state === 'replay') return { status: claim.statusCode, body: claim.response, headers: { 'idempotent-replayed': 'true' } };
  if (claim.state === 'mismatch') {
    throw new ApiProblem(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', 'this Idempotency-Key was used for a different request');
  }
  if (claim.state === 'in_progress') {
    throw new ApiProblem(
      409,
      'IDEMPOTENCY_KEY_IN_USE',
      'Request in progress',
      'a request with this Idempotency-Key is still running',
      {},
      { 'retry-after': '1' },
    );
  }
  let answer: Answer;
  try {
    answer = await run();
  } catch (e) {
    // A refusal (4xx) is the answer to this request, and a repeat gets it again; a failure
    // on our side frees the key so that a retry runs the request again.
    const problem = toProblem(e);
    if (problem.status < 500) await completeIdempotencyKey(db, key, problem.status, problem.body());
    else await releaseIdempotencyKey(db, key).catch(() => {});
    throw e;
  }
  await completeIdempotencyKey(db, key, answer.status, answer.body);
  return answer;
}
