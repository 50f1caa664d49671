import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Rng } from './rng.js';

/**
 * Fault injection, deterministic from an Rng. The numbers of each profile are
 * documented in sandbox/README.md; keep the two in step.
 *
 * Units: request latency and timeouts are real milliseconds (they are short and
 * clients' own timeouts are real time); webhook delays are platform milliseconds and
 * are multiplied by the sandbox timeScale by the webhook sender.
 */
export type FaultProfileName = 'none' | 'lossy' | 'hostile';

export interface FaultProfile {
  /** Added to every API request; drawn with a long tail (most near min). */
  latencyMs: { min: number; max: number };
  /** Probability that a request is answered with the platform's 429. */
  rate429: number;
  /** Probability that a request is answered with a 5xx in the platform's shape. */
  rate5xx: number;
  /**
   * Probability that a request times out: it IS executed (a mutation takes effect)
   * but the response is never sent; the connection is dropped after timeoutMs.
   * This is the case idempotency keys and compare-and-set exist for.
   */
  rateTimeout: number;
  timeoutMs: number;
  /** Probability that a webhook is never sent. */
  webhookLoss: number;
  /** Probability that a webhook is sent twice (same event id). */
  webhookDuplicate: number;
  /** Delay before the first delivery attempt (platform ms, scaled by timeScale). */
  webhookDelayMs: { min: number; max: number };
  /** Probability that a webhook is held back long enough for later ones to overtake it. */
  webhookReorder: number;
  /** Platform clock minus real clock, in ms (timestamps the platform writes). */
  clockSkewMs: number;
}

export const FAULT_PROFILES: Record<FaultProfileName, FaultProfile> = {
  none: {
    latencyMs: { min: 0, max: 0 },
    rate429: 0,
    rate5xx: 0,
    rateTimeout: 0,
    timeoutMs: 0,
    webhookLoss: 0,
    webhookDuplicate: 0,
    webhookDelayMs: { min: 0, max: 0 },
    webhookReorder: 0,
    clockSkewMs: 0,
  },
  lossy: {
    latencyMs: { min: 2, max: 60 },
    rate429: 0.02,
    rate5xx: 0.01,
    rateTimeout: 0.005,
    timeoutMs: 2_000,
    webhookLoss: 0.02,
    webhookDuplicate: 0.05,
    webhookDelayMs: { min: 0, max: 2_000 },
    webhookReorder: 0.1,
    clockSkewMs: 1_500,
  },
  hostile: {
    latencyMs: { min: 10, max: 400 },
    rate429: 0.1,
    rate5xx: 0.05,
    rateTimeout: 0.02,
    timeoutMs: 5_000,
    webhookLoss: 0.15,
    webhookDuplicate: 0.2,
    webhookDelayMs: { min: 0, max: 30_000 },
    webhookReorder: 0.3,
    clockSkewMs: -45_000,
  },
};

export type RequestOutcome = 'ok' | '429' | '5xx' | 'timeout';

export interface WebhookPlan {
  drop: boolean;
  /** 1, or 2 when duplicated. */
  copies: number;
  /** Platform ms before the first attempt of each copy. */
  delayMs: number;
}

export interface Faults {
  profile: FaultProfile;
  requestOutcome(): RequestOutcome;
  latencyMs(): number;
  webhookPlan(): WebhookPlan;
  /** The platform's clock, skew included. */
  now(): Date;
  /**
   * A Retry-After header value for a platform wait of `platformSeconds`, in the sandbox's
   * compressed time: "25" at timeScale 1, "0.417" at 1/60. Unscaled, a 429 in a compressed
   * run would stall a client 60 times longer than the platform really does.
   */
  retryAfter(platformSeconds: number): string;
}

export function isQuiet(profile: FaultProfile): boolean {
  return profile.rate429 === 0 && profile.rate5xx === 0 && profile.rateTimeout === 0 && profile.latencyMs.max === 0;
}

export function createFaults(profile: FaultProfile, rng: Rng, timeScale = 1): Faults {
  const quietRequests = isQuiet(profile);
  return {
    profile,
    retryAfter(platformSeconds) {
      return timeScale === 1 ? String(platformSeconds) : String(Math.max(0.001, Math.round(platformSeconds * timeScale * 1000) / 1000));
    },
    requestOutcome() {
      if (quietRequests) return 'ok';
      // one draw per request, cut into bands, so each rate is exactly its own share
      const r = rng.next();
      let edge = profile.rate429;
      if (r < edge) return '429';
      edge += profile.rate5xx;
      if (r < edge) return '5xx';
      edge += profile.rateTimeout;
      if (r < edge) return 'timeout';
      return 'ok';
    },
    latencyMs() {
      const { min, max } = profile.latencyMs;
      if (max <= 0) return 0;
      // cube of a uniform: most requests near min, a tail reaching max
      const u = rng.next();
      return Math.round(min + (max - min) * u * u * u);
    },
    webhookPlan() {
      const drop = rng.chance(profile.webhookLoss);
      const copies = rng.chance(profile.webhookDuplicate) ? 2 : 1;
      const { min, max } = profile.webhookDelayMs;
      let delayMs = max > min ? min + Math.floor(rng.next() * (max - min + 1)) : min;
      if (rng.chance(profile.webhookReorder)) {
        // held back past the longest normal delay so that later events overtake it
        const span = Math.max(max, 50);
        delayMs += span * 2 + Math.floor(rng.next() * span * 2);
      }
      return { drop, copies, delayMs };
    },
    now() {
      return new Date(Date.now() + profile.clockSkewMs);
    },
  };
}

/** Resolves a profile given by name or as a full object. */
export function resolveFaultProfile(p: FaultProfileName | FaultProfile | undefined): FaultProfile {
  if (p === undefined) return FAULT_PROFILES.none;
  if (typeof p === 'string') {
    const found = FAULT_PROFILES[p];
    if (!found) throw new Error(`unknown fault profile "${p}" (none, lossy, hostile)`);
    return found;
  }
  return p;
}

/** How each platform spells its own throttling and server errors. */
export interface FaultErrorShapes {
  /** `retryAfter` turns the platform's wait (seconds) into the header value: Faults.retryAfter. */
  rateLimited(reply: FastifyReply, retryAfter: (platformSeconds: number) => string): FastifyReply;
  serverError(reply: FastifyReply): FastifyReply;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sleeps the drawn latency and draws the request's fate. For '429' and '5xx' the
 * platform's error has been written to the reply and the handler must not run; for
 * 'ok' and 'timeout' the handler runs, and on 'timeout' the caller then calls
 * dropResponse instead of answering.
 */
export async function applyRequestFaults(faults: Faults, reply: FastifyReply, shapes: FaultErrorShapes): Promise<RequestOutcome> {
  const outcome = faults.requestOutcome();
  const latency = faults.latencyMs();
  if (latency > 0) await sleep(latency);
  if (outcome === '429') shapes.rateLimited(reply, faults.retryAfter);
  else if (outcome === '5xx') shapes.serverError(reply);
  return outcome;
}

/** The request was executed; now the client hears nothing and the socket dies. */
export async function dropResponse(faults: Faults, reply: FastifyReply): Promise<void> {
  reply.hijack();
  await sleep(faults.profile.timeoutMs);
  reply.raw.destroy();
}

/**
 * Wraps a route handler with request faults. onFault lets the simulator count
 * injected errors in its stats.
 */
export function withRequestFaults<R extends FastifyRequest>(
  faults: Faults,
  shapes: FaultErrorShapes,
  handler: (request: R, reply: FastifyReply) => Promise<unknown>,
  onFault?: (outcome: Exclude<RequestOutcome, 'ok'>) => void,
): (request: R, reply: FastifyReply) => Promise<unknown> {
  if (isQuiet(faults.profile)) return handler;
  return async (request, reply) => {
    const outcome = await applyRequestFaults(faults, reply, shapes);
    if (outcome !== 'ok') onFault?.(outcome);
    if (outcome === '429' || outcome === '5xx') return reply;
    const result = await handler(request, reply);
    if (outcome === 'timeout') {
      await dropResponse(faults, reply);
      return undefined;
    }
    return result;
  };
}
