// Validates a MapLibre style with npm @maplibre/maplibre-gl-style-spec,
// run by static/style_test.go:
//   node test/style-validate.mjs STYLE_JSON_FILE
// Prints one JSON line: {"version": the spec package's, "errors": [messages]}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';

const style = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { version } = createRequire(import.meta.url)('@maplibre/maplibre-gl-style-spec/package.json');
const errors = validateStyleMin(style).map(e => e.message);
console.log(JSON.stringify({ version, errors }));
