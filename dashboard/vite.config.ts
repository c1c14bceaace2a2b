import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The operator page: vanilla TypeScript and uPlot, bundled into dist/dashboard (served by the
 * service at /dashboard/). Everything is local: no CDN, no web fonts. `--outDir` overrides the
 * output (the tests build into a temporary folder).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 200,
  },
});
