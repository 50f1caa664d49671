// `notifications:` on an Amazon connection: where SP-API notifications come from. Amazon
// delivers them only to SQS or EventBridge. `sqs` makes the engine long-poll the queue
// (src/engine/workers/sqs-consumer.ts), with the AWS key in the connection's credentials
// `sqsAccessKeyId` and `sqsSecretAccessKey` (sealed in the database like every
// credential). The HTTP relay (something forwarding each message to
// POST /webhooks/<id>?token=...) stays available through `credentials.notificationToken`;
// both may be configured at once, the inbox deduplicates what arrives twice.
import * as z from 'zod';

export const SQS_CREDENTIALS = ['sqsAccessKeyId', 'sqsSecretAccessKey'] as const;

const seconds = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number of seconds from ${min} to ${max}` })
    .int(`must be a whole number of seconds from ${min} to ${max}`)
    .min(min, `must be from ${min} to ${max}`)
    .max(max, `must be from ${min} to ${max}`);

const url = (what: string) => z.url({ protocol: /^https?$/, error: `must be an http:// or https:// URL (${what})` });

export const sqsSchema = z.strictObject({
  /** The queue's URL as SQS gives it: https://sqs.<region>.amazonaws.com/<account>/<name>. */
  queueUrl: url('the queue URL'),
  region: z.string({ error: 'must be an AWS region such as us-east-1' }).regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, 'must be an AWS region such as us-east-1'),
  /** Only for a VPC endpoint or a local stand-in; SQS's regional endpoint otherwise. */
  endpoint: url('the SQS endpoint').optional(),
  /** Long poll of each ReceiveMessage (SQS allows up to 20). */
  waitTimeSeconds: seconds(0, 20).default(20),
  /** Messages per ReceiveMessage (SQS allows up to 10). */
  maxMessages: z
    .number({ error: 'must be a whole number from 1 to 10' })
    .int('must be a whole number from 1 to 10')
    .min(1, 'must be from 1 to 10')
    .max(10, 'must be from 1 to 10')
    .default(10),
  /** Visibility asked for on receive; absent: the queue's own setting. */
  visibilityTimeoutSeconds: seconds(0, 43_200).optional(),
  /** How long a message the database could not take stays hidden: doubling from base, at most max. */
  retryBaseSeconds: seconds(1, 43_200).default(10),
  retryMaxSeconds: seconds(1, 43_200).default(900),
});

export const notificationsSchema = z.strictObject({ sqs: sqsSchema.optional() });

export type SqsConfig = z.output<typeof sqsSchema>;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Cross-checks on the raw YAML of one channel connection: the platform, and the AWS key. */
export function checkNotifications(c: Obj, index: number, add: (path: (string | number)[], message: string) => void): void {
  if (c.notifications !== undefined && c.platform !== 'amazon') {
    add(['connections', index, 'notifications'], `only Amazon connections take notifications (${String(c.platform)} sends webhooks)`);
    return;
  }
  if (c.platform !== 'amazon') return;
  const creds = isObj(c.credentials) ? c.credentials : {};
  const sqs = isObj(c.notifications) ? c.notifications.sqs : undefined;
  for (const name of SQS_CREDENTIALS) {
    if (sqs !== undefined && creds[name] === undefined) {
      add(['connections', index, 'credentials', name], 'required by notifications.sqs (the AWS access key that may read the queue)');
    }
    if (sqs === undefined && creds[name] !== undefined) add(['connections', index, 'credentials', name], 'only used with notifications.sqs, which is not set');
  }
}
