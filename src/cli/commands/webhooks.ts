// `stocksync webhooks register | status | remove [--connection ID] [--json]`: each
// connection's webhook subscriptions on its platform, at <server.publicUrl>/webhooks/<id>
// (src/engine/webhook-registration.ts). Exit 0 when every connection is as it should be
// (or not ours to register), 1 when a platform call failed, 2 without server.publicUrl
// (register), 4 for an unknown --connection.
import type { Command } from 'commander';
import type { LoadedConfig } from '../../config/index.js';
import type { Connector } from '../../connectors/types.js';
import { registerWebhooks, removeWebhooks, webhookStatus, type ConnectionWebhooks, type RegistrationDeps } from '../../engine/webhook-registration.js';
import { StocksyncError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { connectorsFor, openDatabaseFor } from '../../runtime/engine-process.js';
import { loadConfigFor, printJson } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { ExitWith } from '../report.js';
import { table } from '../table.js';

type Action = 'register' | 'status' | 'remove';
interface Opts {
  connection?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const webhooks = program.command('webhooks').description("the platforms' webhook subscriptions to this engine (server.publicUrl)");
  const sub = (action: Action, description: string) =>
    webhooks
      .command(action)
      .description(description)
      .option('--connection <id>', 'only this connection (default: every one)')
      .option('--json', 'print the outcome as JSON')
      .action((opts: Opts, cmd: Command) => run(action, opts, cmd));
  sub('register', 'create the missing subscriptions, keep ours, remove our stale ones (idempotent)');
  sub('status', 'per connection: what is registered, missing and stale (changes nothing)');
  sub('remove', "remove every subscription of ours (other apps' are kept)");
}

async function run(action: Action, opts: Opts, cmd: Command): Promise<void> {
  const config = await loadConfigFor(cmd);
  const ids = selected(config, opts.connection);
  const publicUrl = config.server.publicUrl;
  if (action === 'register' && !publicUrl) {
    throw new StocksyncError(
      'CONFIG_INVALID',
      `server.publicUrl is not set in ${config.source}: it is the address the platforms reach this engine at (e.g. https://sync.example.com); webhooks go to <publicUrl>/webhooks/<connection id>`,
    );
  }
  const log = createLogger({ level: process.env.STOCKSYNC_LOG_LEVEL ?? 'warn' });
  const connectors = await connectorsFor(config);
  const database = action === 'status' ? undefined : await openDatabaseFor(config, log);
  const deps: RegistrationDeps = { log, ...(database && { db: database.db }) };
  const results: ConnectionWebhooks[] = [];
  try {
    for (const id of ids) {
      const connector = connectors.get(id) as Connector;
      if (action === 'register') results.push(await registerWebhooks(deps, id, connector, publicUrl!));
      else if (action === 'remove') results.push(await removeWebhooks(deps, id, connector, publicUrl));
      else results.push(await webhookStatus(id, connector, publicUrl));
    }
  } finally {
    await database?.close();
  }
  const ok = results.every((r) => r.state !== 'failed');
  if (opts.json) printJson({ ok, action, publicUrl: publicUrl ?? null, connections: results });
  else process.stdout.write(formatWebhooks(action, results));
  for (const r of results)
    for (const f of r.failures) process.stderr.write(`error WEBHOOKS_${f.action.toUpperCase()}_FAILED: ${r.connectionId}: ${f.target}: ${f.error}\n`);
  if (!ok) throw new ExitWith(EXIT.FAILURE);
}

function selected(config: LoadedConfig, only: string | undefined): string[] {
  const ids = config.connections.map((c) => c.id);
  if (only === undefined) return ids;
  if (!ids.includes(only)) throw new StocksyncError('NOT_FOUND', `connection ${only} is not in ${config.source} (connections: ${ids.join(', ') || 'none'})`);
  return [only];
}

const REASONS = { topic_not_consumed: 'topic not consumed', old_address: 'old address', duplicate: 'duplicate' } as const;

/** One row per subscription or missing topic; notes for the connections that are not ours to register. */
export function formatWebhooks(action: Action, results: readonly ConnectionWebhooks[]): string {
  const rows: (string | null)[][] = [];
  for (const r of results) {
    const created = new Set(r.created.map((w) => w.id));
    for (const w of r.registered) {
      // the platform's own state where it is not delivering (WooCommerce paused or disabled)
      const state = `${created.has(w.id) ? 'created' : 'registered'}${w.status && w.status !== 'active' ? ` (${w.status})` : ''}`;
      rows.push([r.connectionId, r.platform, w.topic, state, w.address, w.id]);
    }
    for (const t of r.missing) rows.push([r.connectionId, r.platform, t, 'missing', r.address, null]);
    for (const s of r.stale) rows.push([r.connectionId, r.platform, s.webhook.topic, `stale (${REASONS[s.reason]})`, s.webhook.address, s.webhook.id]);
    for (const w of r.removed) rows.push([r.connectionId, r.platform, w.topic, 'removed', w.address, w.id]);
  }
  const lines = [table(['CONNECTION', 'PLATFORM', 'TOPIC', 'STATE', 'ADDRESS', 'ID'], rows), ''];
  for (const r of results) {
    if (r.state === 'unsupported') {
      lines.push(`${r.connectionId}: not registered by stocksync: ${r.note}`);
      continue;
    }
    const counts =
      action === 'status'
        ? `${r.registered.length} registered, ${r.missing.length} missing, ${r.stale.length} stale`
        : `${r.registered.length - r.created.length} kept, ${r.created.length} created, ${r.removed.length} removed, ${r.failures.length} failed`;
    lines.push(
      `${r.connectionId}: ${r.state === 'failed' ? 'FAILED: ' : ''}${counts}; ${r.foreign} other apps' subscription${r.foreign === 1 ? '' : 's'} left alone`,
    );
  }
  return lines.join('\n') + '\n';
}
