// Copies the browser builds of the npm libraries the pages use into lib/,
// which the Go binary embeds. Run by `make assets` after `npm ci`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const files = {
  'maplibre-gl/dist/maplibre-gl.js': 'maplibre-gl.js',
  'maplibre-gl/dist/maplibre-gl.css': 'maplibre-gl.css',
  'maplibre-gl/LICENSE.txt': 'maplibre-gl.LICENSE.txt',
  'terra-draw/dist/terra-draw.umd.js': 'terra-draw.umd.js',
  'pmtiles/dist/pmtiles.js': 'pmtiles.js',
  'terra-draw-maplibre-gl-adapter/dist/terra-draw-maplibre-gl-adapter.umd.js': 'terra-draw-maplibre-gl-adapter.umd.js',
};
mkdirSync(join(here, 'lib'), { recursive: true });
for (const [from, to] of Object.entries(files)) {
  copyFileSync(join(here, 'node_modules', from), join(here, 'lib', to));
  console.log(`lib/${to}`);
}
