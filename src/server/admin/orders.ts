// /connections/:id/orders: orders of a manual (wholesale) channel, a channel with no platform
// behind it (`platform: manual`). They go through the same order path as any channel's
// (engine/record-orders.ts): claimed in the transaction that records them, from the
// channel's reserve first, lowering the other channels. One order as JSON, or many as CSV.
import { parse as parseCsv } from 'csv-parse/sync';
import * as z from 'zod';
import { cancelOrder } from '../../engine/cancel-order.js';
import { recordOrders, type OrderInput, type RecordOrderResult } from '../../engine/record-orders.js';
import { findConnection } from '../../store/catalog.js';
import type { AdminContext } from './context.js';
import { badInput, conflict, notFound, type FieldProblem } from './problem.js';
import { ok } from './route.js';
import { connectionParam, skuCodeSchema } from './schemas.js';

const quantity = z
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(1_000_000, 'must be at most 1000000');
const externalId = z.string({ error: 'is required' }).trim().min(1, 'is required').max(255, 'must be at most 255 characters');

const orderBody = z.strictObject({
  externalId: externalId.meta({ description: "Your order's id: unique per channel; a repeat is recorded once" }),
  placedAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  lines: z
    .array(z.strictObject({ sku: skuCodeSchema, quantity }), { error: 'must be a list' })
    .min(1, 'must hold at least one line')
    .max(1000, 'must hold at most 1000 lines'),
});

const resultSchema = z.object({
  externalId: z.string(),
  outcome: z.enum(['recorded', 'duplicate']),
  orderId: z.number().int(),
  oversold: z.array(z.object({ sku: z.string(), lineNo: z.number().int(), unitsShort: z.number().int() })).optional(),
  unknownSkus: z.array(z.string()).optional(),
});

const CSV_MAX_BYTES = 1024 * 1024;
const CSV_MAX_ROWS = 10_000;
const csvRow = z.object({
  order_id: externalId,
  sku: skuCodeSchema,
  quantity: z.coerce.number().pipe(quantity),
  placed_at: z.iso.datetime({ offset: true }).optional(),
});

async function manualChannel(ctx: AdminContext, id: string): Promise<void> {
  const c = await findConnection(ctx.db, id);
  if (!c) throw notFound(`no connection ${id}`);
  if (c.kind !== 'channel' || c.platform !== 'manual') {
    throw conflict('NOT_A_MANUAL_CHANNEL', `${id} is a ${c.platform} ${c.kind}; orders are taken through the API for platform: manual channels only`);
  }
}

function answerOf(externalIdOf: string, r: RecordOrderResult) {
  if (r.outcome === 'rejected') throw r.error; // validated before: only a race with the catalogue gets here
  return { externalId: externalIdOf, ...r };
}

/** CSV rows (order_id, sku, quantity, placed_at optional) grouped into orders, every bad cell named. */
function ordersFromCsv(connectionId: string, text: string): OrderInput[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (e) {
    throw badInput([{ field: 'body', message: `not CSV: ${(e as Error).message}` }]);
  }
  if (rows.length === 0) throw badInput([{ field: 'body', message: 'needs a header row (order_id,sku,quantity[,placed_at]) and at least one row' }]);
  if (rows.length > CSV_MAX_ROWS) throw badInput([{ field: 'body', message: `at most ${CSV_MAX_ROWS} rows` }]);
  const problems: FieldProblem[] = [];
  const orders = new Map<string, OrderInput & { lines: { sku: string; quantity: number }[] }>();
  rows.forEach((raw, i) => {
    const r = csvRow.safeParse(raw);
    // Row numbers as a spreadsheet shows them: the header is row 1.
    if (!r.success) return problems.push(...r.error.issues.map((x) => ({ field: `body.row[${i + 2}].${x.path.join('.')}`, message: x.message })));
    const o = orders.get(r.data.order_id) ?? { connectionId, externalId: r.data.order_id, lines: [] };
    if (r.data.placed_at) o.placedAt = new Date(r.data.placed_at);
    o.lines.push({ sku: r.data.sku, quantity: r.data.quantity });
    orders.set(r.data.order_id, o);
  });
  if (problems.length > 0) throw badInput(problems.slice(0, 100));
  return [...orders.values()];
}

export function orderRoutes(ctx: AdminContext): void {
  const tag = 'orders';
  ctx.routes.add({
    method: 'POST',
    url: '/connections/:id/orders',
    tag,
    summary: 'Record an order of a manual (wholesale) channel',
    description:
      "Claims its units at once, from the channel's reserve first; the other channels are lowered. 201 when recorded, 200 when that externalId was already recorded.",
    params: connectionParam,
    body: orderBody,
    idempotency: 'required',
    responses: { 201: { description: 'Recorded', schema: resultSchema }, 200: { description: 'Already recorded', schema: resultSchema } },
    problems: [404, 409],
    handler: async ({ params, body }) => {
      await manualChannel(ctx, params.id);
      const [r] = await recordOrders(ctx.db, [
        { connectionId: params.id, externalId: body.externalId, lines: body.lines, ...(body.placedAt && { placedAt: new Date(body.placedAt) }) },
      ]);
      const answer = answerOf(body.externalId, r!);
      return ok(answer, answer.outcome === 'recorded' ? 201 : 200);
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/connections/:id/orders.csv',
    tag,
    summary: 'Record many orders of a manual channel from CSV',
    description:
      'Header row `order_id,sku,quantity[,placed_at]`, one row per line; rows with the same order_id make one order. Every row is checked first (400 names each bad cell as body.row[N].column) and the orders are recorded in one transaction: all or none.',
    params: connectionParam,
    body: z.string().max(CSV_MAX_BYTES),
    bodyType: 'text/csv',
    bodyLimit: CSV_MAX_BYTES,
    idempotency: 'required',
    responses: {
      201: {
        description: 'Recorded (each order recorded or duplicate)',
        schema: z.object({ recorded: z.number().int(), duplicates: z.number().int(), orders: z.array(resultSchema) }),
      },
    },
    problems: [404, 409, 413, 415],
    handler: async ({ params, body }) => {
      await manualChannel(ctx, params.id);
      const inputs = ordersFromCsv(params.id, body);
      const results = await recordOrders(ctx.db, inputs);
      const orders = results.map((r, i) => answerOf(inputs[i]!.externalId, r));
      return ok(
        { recorded: orders.filter((o) => o.outcome === 'recorded').length, duplicates: orders.filter((o) => o.outcome === 'duplicate').length, orders },
        201,
      );
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/connections/:id/orders/:externalId/cancel',
    tag,
    summary: 'Cancel an order of a manual channel',
    description:
      'As a channel cancellation: its claims are released at once if the warehouse never had it, else once the warehouse confirms the cancellation (it may have shipped).',
    params: connectionParam.extend({ externalId }),
    idempotency: 'optional',
    responses: {
      200: {
        description: 'Cancelled, or already cancelled',
        schema: z.object({ outcome: z.enum(['cancelled', 'already_cancelled']), orderId: z.number().int() }).loose(),
      },
    },
    problems: [404, 409],
    handler: async ({ params }) => {
      await manualChannel(ctx, params.id);
      const r = await cancelOrder(ctx.db, { connectionId: params.id, externalId: params.externalId });
      if (r.outcome === 'unknown_order') throw notFound(`no order ${params.externalId} on ${params.id}`);
      return ok(r);
    },
  });
}
