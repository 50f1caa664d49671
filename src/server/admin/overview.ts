// /overview: the whole system in one answer (what `stocksync status` prints, without the
// per-connection part, which /connections has): the dashboard's first page.
import * as z from 'zod';
import { oldestDirtySince } from '../../store/listings.js';
import { statusReport } from '../../store/status.js';
import type { AdminContext } from './context.js';
import { ok } from './route.js';
import { timestamp } from './schemas.js';

const count = z.number().int();

export function overviewRoutes(ctx: AdminContext): void {
  ctx.routes.add({
    method: 'GET',
    url: '/overview',
    tag: 'overview',
    summary: 'Totals: SKUs, listings, dirty listings and the oldest, open claims, orders, incidents, pushes, quarantine',
    responses: {
      200: {
        description: 'The totals',
        schema: z.object({
          skus: count,
          bundles: count,
          listings: count,
          dirtyListings: count,
          oldestDirtySince: timestamp.nullable().meta({ description: 'When the longest-waiting dirty listing became dirty' }),
          openClaims: z.object({ count, units: count }),
          orders: count,
          ordersWithUnknownSku: count,
          incidents: z.object({ oversell: count, unknownSku: count, oversoldUnits: count }).meta({ description: 'Open (unresolved) incidents' }),
          pushes: z.object({ calls: count, listings: count }),
          throttledCalls: count,
          quarantine: z.object({ records: count, inboxEvents: count, listings: count }),
        }),
      },
    },
    handler: async () => {
      const [{ connections: _, ...totals }, since] = await Promise.all([statusReport(ctx.db), oldestDirtySince(ctx.db)]);
      return ok({ ...totals, oldestDirtySince: since });
    },
  });
}
