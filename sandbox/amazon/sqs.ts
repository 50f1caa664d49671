// The seller's SQS queue, when the instance is configured for it (`options.sqs`): SP-API
// sends every notification type (ORDER_CHANGE, LISTINGS_ITEM_MFN_QUANTITY_CHANGE) there,
// as if the seller had created an SQS destination and subscribed both types to it.
// Served at <instance>/sqs in the AWS JSON protocol (sqs-http.ts); the queue URL is
// <instance>/sqs/<accountId>/<queueName>, and a consumer sets <instance>/sqs as its
// endpoint. Amazon's own delivery faults apply on the way in: a notification may be
// published twice (same NotificationId) or late enough for later ones to overtake it,
// and, as Amazon does not guarantee delivery, lost (the fault profile's webhook numbers).
import type { FastifyInstance } from 'fastify';
import type { Faults } from '../core/faults.js';
import type { CallStats } from '../core/stats.js';
import { createRng } from '../core/rng.js';
import { registerSqsRoutes } from './sqs-http.js';
import { createSqsQueue, type SqsQueue, type SqsQueueStats } from './sqs-queue.js';

export interface SqsOptions {
  accountId: string;
  queueName: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The queue's default visibility timeout, real seconds (fractions allowed here; SQS: 30). */
  visibilityTimeoutSeconds: number;
}

/** `options.sqs`: true for the defaults, or a mapping overriding some of them; absent: no queue. */
export function sqsOptions(name: string, raw: unknown): SqsOptions | undefined {
  if (raw === undefined || raw === false) return undefined;
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (k: string, d: string): string => (typeof o[k] === 'string' ? (o[k] as string) : d);
  const vis = o['visibilityTimeoutSeconds'];
  return {
    accountId: str('accountId', '123456789012'),
    queueName: str('queueName', `sp-api-notifications-${name}`),
    region: str('region', 'us-east-1'),
    accessKeyId: str('accessKeyId', 'AKIASANDBOXSQS000001'),
    secretAccessKey: str('secretAccessKey', `sandbox-sqs-secret-${name}`),
    visibilityTimeoutSeconds: typeof vis === 'number' && vis >= 0 ? vis : 30,
  };
}

export interface SellerQueue {
  options: SqsOptions;
  /** Publishes a notification body with Amazon's delivery faults. */
  publish(body: string): void;
  register(app: FastifyInstance): void;
  truth(): { queueUrlPath: string; counts: ReturnType<SqsQueue['counts']>; stats: SqsQueueStats & { lost: number; duplicated: number } };
  close(): void;
}

export function createSellerQueue(o: { name: string; options: SqsOptions; seed: number; faults: Faults; timeScale: number; stats: CallStats }): SellerQueue {
  const queue = createSqsQueue({ defaultVisibilityMs: o.options.visibilityTimeoutSeconds * 1000, rng: createRng(o.seed, `amazon/${o.name}/sqs`) });
  let lost = 0;
  let duplicated = 0;
  return {
    options: o.options,
    publish(body) {
      const plan = o.faults.webhookPlan();
      if (plan.drop) {
        lost++;
        return;
      }
      duplicated += plan.copies - 1;
      // A delay is a platform wait (scaled); SQS's own DelaySeconds is not involved.
      for (let i = 0; i < plan.copies; i++) queue.send(body, plan.delayMs * o.timeScale);
    },
    register(app) {
      registerSqsRoutes(app, {
        queue,
        accountId: o.options.accountId,
        queueName: o.options.queueName,
        key: { accessKeyId: o.options.accessKeyId, secretAccessKey: o.options.secretAccessKey, region: o.options.region, service: 'sqs' },
        faults: o.faults,
        rng: createRng(o.seed, `amazon/${o.name}/sqs-requests`),
        onCall: (op) => o.stats.call(`sqs ${op}`),
      });
    },
    truth: () => ({
      queueUrlPath: `sqs/${o.options.accountId}/${o.options.queueName}`,
      counts: queue.counts(),
      stats: { ...queue.stats(), lost, duplicated },
    }),
    close: () => queue.close(),
  };
}
