// The seller's SP-API notification queue, through the AWS SDK's SQS client (the JSON
// protocol, SigV4 signing, its own retries of throttling and 5xx). Only what a consumer
// needs: a long-polling receive, a batch delete, a visibility change. Failures become
// ConnectorErrors with the usual codes, so the worker knows what waiting can fix.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  SQSServiceException,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { ConnectorError, errorFromStatus } from '../errors.js';

export interface SqsQueueSettings {
  queueUrl: string;
  region: string;
  /** Another endpoint than the region's (a VPC endpoint, the sandbox). */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Long poll, seconds (0..20; default 20). */
  waitTimeSeconds?: number;
  /** Messages a receive asks for (1..10; default 10). */
  maxMessages?: number;
  /** Visibility asked for on receive, seconds; absent: the queue's own default. */
  visibilityTimeoutSeconds?: number;
}

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** 1 on the first delivery; more when it came back after its visibility timeout. */
  receiveCount: number;
}

export interface DeleteFailure {
  receiptHandle: string;
  code: string;
  message: string;
}

export interface NotificationQueue {
  readonly queueUrl: string;
  /** Resolves with [] when `signal` aborts the long poll (shutdown). */
  receive(signal: AbortSignal): Promise<QueueMessage[]>;
  /** Deletes up to 10 per call; returns the handles SQS refused. */
  deleteMessages(receiptHandles: readonly string[]): Promise<DeleteFailure[]>;
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
  close(): void;
}

const DELETE_BATCH = 10;

export function createNotificationQueue(s: SqsQueueSettings): NotificationQueue {
  const config: SQSClientConfig = {
    region: s.region,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    ...(s.endpoint && { endpoint: s.endpoint }),
  };
  const client = new SQSClient(config);
  const waitTimeSeconds = s.waitTimeSeconds ?? 20;
  const maxMessages = s.maxMessages ?? 10;
  return {
    queueUrl: s.queueUrl,
    async receive(signal) {
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: s.queueUrl,
            MaxNumberOfMessages: maxMessages,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            ...(s.visibilityTimeoutSeconds !== undefined && { VisibilityTimeout: s.visibilityTimeoutSeconds }),
          }),
          { abortSignal: signal },
        );
        return (out.Messages ?? []).flatMap((m) =>
          m.ReceiptHandle && m.MessageId
            ? [
                {
                  messageId: m.MessageId,
                  receiptHandle: m.ReceiptHandle,
                  body: m.Body ?? '',
                  receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1) || 1,
                },
              ]
            : [],
        );
      } catch (e) {
        if (signal.aborted) return [];
        throw asConnectorError(e, 'ReceiveMessage');
      }
    },
    async deleteMessages(handles) {
      const failed: DeleteFailure[] = [];
      for (let i = 0; i < handles.length; i += DELETE_BATCH) {
        const chunk = handles.slice(i, i + DELETE_BATCH);
        try {
          const out = await client.send(
            new DeleteMessageBatchCommand({ QueueUrl: s.queueUrl, Entries: chunk.map((h, j) => ({ Id: String(j), ReceiptHandle: h })) }),
          );
          for (const f of out.Failed ?? []) failed.push({ receiptHandle: chunk[Number(f.Id)] ?? '', code: f.Code ?? 'unknown', message: f.Message ?? '' });
        } catch (e) {
          throw asConnectorError(e, 'DeleteMessageBatch');
        }
      }
      return failed;
    },
    async changeVisibility(receiptHandle, seconds) {
      try {
        await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: s.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
      } catch (e) {
        throw asConnectorError(e, 'ChangeMessageVisibility');
      }
    },
    close: () => client.destroy(),
  };
}

// Names under which SQS (and the AWS front door before it) reports bad credentials.
const AUTH_ERRORS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidSecurity',
]);

function asConnectorError(e: unknown, op: string): ConnectorError {
  if (e instanceof ConnectorError) return e;
  if (e instanceof SQSServiceException) {
    const status = e.$metadata.httpStatusCode ?? 0;
    const message = `SQS ${op}: ${e.name}: ${e.message}`.slice(0, 500);
    if (AUTH_ERRORS.has(e.name)) return new ConnectorError('AUTH', message, { status, platformCode: e.name });
    if (e.name === 'RequestThrottled' || e.name === 'ThrottlingException') return new ConnectorError('RATE_LIMITED', message, { status, platformCode: e.name });
    if (e.name === 'QueueDoesNotExist') return new ConnectorError('NOT_FOUND', message, { status, platformCode: e.name });
    const err = errorFromStatus(status || 500, message);
    return new ConnectorError(err.connectorCode, message, { status, platformCode: e.name });
  }
  // No answer: the connection failed or timed out (the SDK retried already).
  return new ConnectorError('NETWORK', `SQS ${op}: ${(e as Error).message}`.slice(0, 500));
}
