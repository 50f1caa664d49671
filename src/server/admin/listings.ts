// /listings/:id/push: push a listing now, whatever it waits for (a retry back-off, an
// asynchronous apply): its target goes out at the dispatcher's next round, compare-and-set
// where the platform has it.
import * as z from 'zod';
import { requestPush } from '../../store/listings.js';
import type { AdminContext } from './context.js';
import { conflict, notFound } from './problem.js';
import { ok } from './route.js';
import { idParam } from './schemas.js';

export function listingRoutes(ctx: AdminContext): void {
  ctx.routes.add({
    method: 'POST',
    url: '/listings/:id/push',
    tag: 'listings',
    summary: 'Push a listing now',
    params: idParam,
    idempotency: 'optional',
    responses: {
      202: { description: 'Marked to push; its dispatcher was woken', schema: z.object({ listingId: z.number().int(), requested: z.literal(true) }) },
    },
    problems: [404, 409],
    handler: async ({ params }) => {
      const r = await requestPush(ctx.db, params.id);
      if (r === 'not_found') throw notFound(`no listing ${params.id}`);
      if (r === 'quarantined')
        throw conflict('LISTING_QUARANTINED', `listing ${params.id} is quarantined; release it (POST /quarantine/listings/${params.id}/release)`);
      return ok({ listingId: params.id, requested: true }, 202);
    },
  });
}
