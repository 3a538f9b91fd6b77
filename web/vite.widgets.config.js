// The embeddable widgets: one self-contained script, widget_api.js, that
// defines the global routestat (and ripestat) API. Embedded into the
// binary by ../widgets/widgets.go.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// widgets/src lives outside this npm project: its bare d3 imports
// resolve to this project's node_modules.
const d3 = { find: /^(d3-[a-z-]+)$/, replacement: `${fileURLToPath(new URL('./node_modules/', import.meta.url))}$1` };

export default defineConfig({
  resolve: { alias: [d3] },
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../widgets/dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL('../widgets/src/embed.js', import.meta.url)),
      formats: ['iife'],
      name: 'routestatWidgetAPI',
      fileName: () => 'widget_api.js',
    },
  },
});
