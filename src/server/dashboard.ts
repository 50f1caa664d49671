// The web dashboard at `/`: the files Vite built from web/ (dist/web), served by the engine
// on its own port, only while the admin API is on (the page is nothing but a client of it).
// Strict security headers: every script, style and request stays on this origin (no CDN:
// the engine may run with no internet), and no other site may frame the page.
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the built dashboard is: dist/web beside the compiled code, or below the package root
 * when the sources run through tsx (src/server -> ../../dist/web).
 */
export function defaultDashboardDir(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return path.basename(root) === 'dist' ? path.join(root, 'web') : path.join(root, 'dist', 'web');
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>stocksync</title>
<p>The dashboard is not built. Run <code>npm run build</code> (npm ci does it), then restart. The admin API answers at <code>/api/v1</code>.</p>`;

/** Registers `/` and `/assets/*`; says whether the dashboard was found. */
export async function registerDashboard(app: FastifyInstance, dir: string): Promise<boolean> {
  const built = existsSync(path.join(dir, 'index.html'));
  await app.register(async (scope) => {
    await scope.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
    });
    if (!built) {
      scope.get('/', async (_req, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT));
      return;
    }
    await scope.register(fastifyStatic, {
      root: dir,
      // Only the page and its hashed assets: no directory listing, nothing else of the folder.
      wildcard: false,
      index: false,
      serve: false,
      // The routes below say how long each file may be kept: the page is revalidated, hashed assets kept.
      cacheControl: false,
    });
    scope.get('/', async (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
    // Vite names assets by content hash: a browser may keep them for good.
    scope.get('/assets/*', async (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(path.posix.join('assets', file));
    });
  });
  return built;
}
