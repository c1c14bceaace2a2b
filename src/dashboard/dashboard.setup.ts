import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '../config/app-config.ts';

export const DASHBOARD_PREFIX = '/dashboard/';

/**
 * The operator page (`dashboard/`, built by Vite into dist/dashboard by `npm run build`) as static
 * files at /dashboard/: nothing computed per request, nothing on the API's routes. The page itself
 * is public (it holds no data); every figure it shows comes from the API with the operator's key.
 * Vite names its assets by content hash, so they are cached for a year; index.html is revalidated.
 */
export async function serveDashboard(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'DASHBOARD_DIR'>,
): Promise<void> {
  const root = resolve(config.DASHBOARD_DIR ?? defaultDashboardDir());
  if (!existsSync(join(root, 'index.html'))) {
    new Logger('Dashboard').warn(`No built dashboard in ${root} (npm run build makes it): /dashboard answers 404`);
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: DASHBOARD_PREFIX,
    decorateReply: false, // the Swagger UI registers the plugin too
    redirect: true, // /dashboard → /dashboard/
    wildcard: false, // one route per built file: anything else is the API's 404
    index: ['index.html'],
    setHeaders: (reply, path) => {
      void reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

/** dist/dashboard beside the package.json above this file (src/ in development and tests, dist/src/ when built). */
function defaultDashboardDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'dashboard');
}
