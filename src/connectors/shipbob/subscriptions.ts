// Webhook registration against ShipBob's subscription API (2026-01): POST /webhook
// {topics, url, secret}, GET /webhook (paged by `next`), DELETE /webhook/{id}.
//
// A ShipBob subscription holds several topics and signs with its own secret. We create
// one subscription per topic and pass the connection's configured webhookSecret, so that
// every delivery verifies with the one secret the engine holds. A subscription someone
// made with several topics is listed as one row per topic; removing one of its topics
// re-creates the subscription with the others (ShipBob has no update), then deletes it.
import { ConnectorError } from '../errors.js';
import type { RegisteredWebhook, WebhookRegistration } from '../types.js';
import { getLink, type Api } from './api.js';
import { id, isObject, pagedItems, parseError } from './json.js';
import { CONSUMED_TOPICS } from './webhooks.js';

interface Subscription {
  id: string;
  url: string;
  topics: string[];
}

const SEP = '#';

export function createWebhookRegistration(api: Api, secret: string | undefined): WebhookRegistration {
  const all = async (): Promise<Subscription[]> => {
    const out: Subscription[] = [];
    let link: string | null = `/${api.version}/webhook?RecordsPerPage=250`;
    for (let pages = 0; link !== null; pages++) {
      if (pages >= 1_000) throw parseError('webhook listing does not end');
      const page = pagedItems((await getLink(api, { link })).json<unknown>(), 'webhook');
      out.push(...page.items.map(subscriptionOf));
      link = page.next === null ? null : api.link(page.next);
    }
    return out;
  };
  const make = async (topics: string[], url: string): Promise<Subscription> => {
    if (!secret)
      throw new ConnectorError(
        'AUTH',
        'shipbob: set credentials.webhookSecret ("whsec_" + base64) before registering webhooks: deliveries are verified with it',
      );
    const res = await api.call('POST', '/webhook', { body: { topics, url, secret, description: 'stocksync' } });
    return subscriptionOf(res.json<unknown>());
  };
  return {
    topics: CONSUMED_TOPICS,
    async list() {
      return (await all()).flatMap((s): RegisteredWebhook[] =>
        s.topics.map((topic) => ({ id: s.topics.length === 1 ? s.id : `${s.id}${SEP}${topic}`, topic, address: s.url })),
      );
    },
    async create(topic, address) {
      const s = await make([topic], address);
      return { id: s.id, topic, address: s.url };
    },
    async remove(rowId) {
      const at = rowId.indexOf(SEP);
      const subId = at === -1 ? rowId : rowId.slice(0, at);
      const topic = at === -1 ? undefined : rowId.slice(at + 1);
      if (topic !== undefined) {
        const s = (await all()).find((x) => x.id === subId);
        if (!s) return;
        const rest = s.topics.filter((t) => t !== topic);
        if (rest.length > 0) await make(rest, s.url);
      }
      try {
        await api.call('DELETE', `/webhook/${encodeURIComponent(subId)}`);
      } catch (e) {
        // Already gone: what remove wanted.
        if (!(e instanceof ConnectorError && e.connectorCode === 'NOT_FOUND')) throw e;
      }
    },
  };
}

function subscriptionOf(row: unknown): Subscription {
  if (!isObject(row)) throw parseError('webhook subscription is not an object');
  const subId = id(row.id, 'webhook subscription id');
  if (subId.includes(SEP)) throw parseError(`webhook subscription id ${subId.slice(0, 40)} holds "${SEP}"`);
  if (!Array.isArray(row.topics) || !row.topics.every((t) => typeof t === 'string')) throw parseError(`webhook subscription ${subId} has no topics list`);
  // URLs may be long (tokens in the query): not text()'s 300 characters.
  if (typeof row.url !== 'string' || row.url.length === 0 || row.url.length > 2_000) throw parseError(`webhook subscription ${subId} has no url`);
  return { id: subId, url: row.url, topics: row.topics as string[] };
}
