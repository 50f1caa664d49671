// The demo's Amazon notifications over SQS: an Amazon connection whose example config sets
// `notifications.sqs` gets its queue on the sandbox seller it talks to. The queue URL and
// endpoint are pointed at the sandbox that runs (as baseUrl is), and the seller instance
// is given the queue (account and name from the URL) and the AWS key the config resolves
// to, so the engine's signed calls are accepted.
import type { InstanceSpec } from '../../sandbox/core/instance.js';
import { StocksyncError } from '../errors.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);

export function pointSqsAtSandbox(c: Obj, sandbox: URL, instance: InstanceSpec, env: Record<string, string | undefined> = process.env): void {
  const sqs = isObj(c.notifications) && isObj(c.notifications.sqs) ? c.notifications.sqs : undefined;
  if (!sqs || instance.platform !== 'amazon') return;
  const onSandbox = (u: unknown): string | undefined => {
    if (typeof u !== 'string') return undefined;
    const url = new URL(u);
    url.protocol = sandbox.protocol;
    url.host = sandbox.host;
    return url.toString().replace(/\/$/, '');
  };
  const queueUrl = onSandbox(sqs.queueUrl);
  const [accountId, queueName] = queueUrl ? new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2) : [];
  if (!queueUrl || !accountId || !queueName) {
    throw new StocksyncError('CONFIG_INVALID', `connection ${String(c.id)}: notifications.sqs.queueUrl must end in /<account>/<queue name>`);
  }
  sqs.queueUrl = queueUrl;
  sqs.endpoint = onSandbox(sqs.endpoint) ?? `${sandbox.origin}/${new URL(queueUrl).pathname.split('/').filter(Boolean).slice(0, 3).join('/')}`;
  const creds = isObj(c.credentials) ? c.credentials : {};
  instance.options = {
    ...instance.options,
    sqs: {
      accountId,
      queueName,
      region: typeof sqs.region === 'string' ? sqs.region : 'us-east-1',
      ...resolved('accessKeyId', creds.sqsAccessKeyId, env),
      ...resolved('secretAccessKey', creds.sqsSecretAccessKey, env),
    },
  };
}

/** An `{ env, default }` reference as the config will resolve it. */
function resolved(name: string, ref: unknown, env: Record<string, string | undefined>): Obj {
  if (!isObj(ref) || typeof ref.env !== 'string') return {};
  const value = env[ref.env] || (typeof ref.default === 'string' ? ref.default : undefined);
  return value === undefined ? {} : { [name]: value };
}
