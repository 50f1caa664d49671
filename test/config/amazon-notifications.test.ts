// `notifications.sqs` on an Amazon connection: what loads, the exact issue for each
// mistake, the AWS key only as environment references and sealed in the database.
import { describe, expect, it } from 'vitest';
import { decryptCredentials } from '../../src/crypto/credentials.js';
import { createLogger } from '../../src/log.js';
import { catalogFromConfig } from '../../src/engine/catalog-from-config.js';
import { sqsSourcesFor } from '../../src/runtime/sqs-consumers.js';
import { ENV, baseDoc, issuesAfter, load, type Doc } from './helpers.js';

const SQS_ENV = { ...ENV, SQS_KEY: 'AKIAEXAMPLEKEY000001', SQS_SECRET: 'sqs-secret-value-123' };
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/111122223333/sp-api-notifications';

function withSqs(change: (amazon: Doc) => void = () => {}): Doc {
  const doc = baseDoc();
  const amazon = doc.connections[1];
  amazon.notifications = { sqs: { queueUrl: QUEUE, region: 'eu-west-1' } };
  amazon.credentials.sqsAccessKeyId = { env: 'SQS_KEY' };
  amazon.credentials.sqsSecretAccessKey = { env: 'SQS_SECRET' };
  change(amazon);
  return doc;
}

const issues = (change: (amazon: Doc) => void) => issuesAfter((d) => Object.assign(d, withSqs(change)), SQS_ENV);

describe('notifications.sqs in the config', () => {
  it('loads with the SQS defaults, and the consumer settings carry the resolved key', () => {
    const c = load(withSqs(), SQS_ENV);
    const amazon = c.connections[1]!;
    expect(amazon.kind === 'channel' && amazon.notifications).toEqual({
      sqs: { queueUrl: QUEUE, region: 'eu-west-1', waitTimeSeconds: 20, maxMessages: 10, retryBaseSeconds: 10, retryMaxSeconds: 900 },
    });
    expect(sqsSourcesFor(c)).toEqual([
      {
        connectionId: 'amazon-eu',
        settings: {
          queueUrl: QUEUE,
          region: 'eu-west-1',
          accessKeyId: SQS_ENV.SQS_KEY,
          secretAccessKey: SQS_ENV.SQS_SECRET,
          waitTimeSeconds: 20,
          maxMessages: 10,
        },
        retry: { baseSeconds: 10, maxSeconds: 900 },
      },
    ]);
    expect(sqsSourcesFor(load(baseDoc()))).toEqual([]);
  });

  it('seals the AWS key with the other credentials before they reach the database', () => {
    const c = load(withSqs(), SQS_ENV);
    const sealed = catalogFromConfig(c).connections.find((x) => x.id === 'amazon-eu')!.credentialsEncrypted!;
    expect(sealed).not.toContain(SQS_ENV.SQS_SECRET);
    expect(decryptCredentials(sealed, ENV.STOCKSYNC_SECRET_KEY, 'amazon-eu')).toMatchObject({
      sqsAccessKeyId: SQS_ENV.SQS_KEY,
      sqsSecretAccessKey: SQS_ENV.SQS_SECRET,
    });
  });

  it('never logs the AWS secret, even when the consumer settings are logged whole', () => {
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (l: string) => lines.push(l) }, format: 'json', level: 'info', env: {} });
    const [source] = sqsSourcesFor(load(withSqs(), SQS_ENV));
    logger.info({ source }, 'sqs');
    logger.info({ settings: source!.settings }, 'sqs');
    expect(lines.join('')).not.toContain(SQS_ENV.SQS_SECRET);
    expect(lines.join('')).toContain(QUEUE);
  });

  it('keeps the HTTP relay beside it: notificationToken may be set too', () => {
    const c = load(
      withSqs((a) => (a.credentials.notificationToken = { env: 'SQS_KEY' })),
      SQS_ENV,
    );
    expect(c.connections[1]!.credentials).toHaveProperty('notificationToken');
  });

  it('says what is wrong', () => {
    expect(issues((a) => delete a.credentials.sqsSecretAccessKey)).toEqual([
      'connections[1].credentials.sqsSecretAccessKey: required by notifications.sqs (the AWS access key that may read the queue)',
    ]);
    expect(issues((a) => delete a.notifications)).toEqual([
      'connections[1].credentials.sqsAccessKeyId: only used with notifications.sqs, which is not set',
      'connections[1].credentials.sqsSecretAccessKey: only used with notifications.sqs, which is not set',
    ]);
    expect(issues((a) => (a.credentials.sqsSecretAccessKey = 'literal'))).toEqual([
      'connections[1].credentials.sqsSecretAccessKey: literal secrets are not allowed in the config file; use an environment reference such as { env: MY_SECRET }',
    ]);
    expect(issues((a) => Object.assign(a.notifications.sqs, { region: 'Ireland', maxMessages: 11, waitTimeSeconds: 30, queueUrl: 'sqs://x' }))).toEqual([
      'connections[1].notifications.sqs.maxMessages: must be from 1 to 10',
      'connections[1].notifications.sqs.queueUrl: must be an http:// or https:// URL (the queue URL)',
      'connections[1].notifications.sqs.region: must be an AWS region such as us-east-1',
      'connections[1].notifications.sqs.waitTimeSeconds: must be from 0 to 20',
    ]);
    expect(issues((a) => (a.notifications.sqs.queueName = 'x'))).toEqual(['connections[1].notifications.sqs.queueName: unknown field']);
  });

  it('is for Amazon only', () => {
    const shopify = issuesAfter((d) => (d.connections[0].notifications = { sqs: { queueUrl: QUEUE, region: 'eu-west-1' } }), SQS_ENV);
    expect(shopify).toEqual(['connections[0].notifications: only Amazon connections take notifications (shopify sends webhooks)']);
  });
});
