import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The operations console: a static single-page app the api app serves under /console. Everything it loads comes
 * from that path (no CDN, no external font), so it works on a closed network. JSX follows tsconfig.json (react-jsx).
 */
export default defineConfig({
  root,
  base: '/console/',
  resolve: { alias: { '@libs/csv': fileURLToPath(new URL('../../libs/csv/src/index.ts', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // Inline nothing as data: URLs beyond small icons; the API's Content-Security-Policy allows 'self' only.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  logLevel: 'warn',
});
