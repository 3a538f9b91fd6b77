// The NOC web UI: a single-page app in dist/, embedded into the routestat
// binary by web.go. Widgets' sources are shared from ../widgets/src.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// widgets/src lives outside this npm project: its bare d3 imports
// resolve to this project's node_modules.
const d3 = { find: /^(d3-[a-z-]+)$/, replacement: `${fileURLToPath(new URL('./node_modules/', import.meta.url))}$1` };

export default defineConfig({
  resolve: { alias: [d3] },
  root: '.',
  base: '/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: { fs: { allow: ['..'] }, proxy: { '/data': 'http://127.0.0.1:8080', '/api': 'http://127.0.0.1:8080' } },
});
