// Browser test of the map labels, run by static/glyphs_browser_test.go:
//   node test/glyphs.test.mjs BASE_URL ARTIFACT_DIR LABELS_JSON
// LABELS_JSON: [{name, lon, lat}] — the parks whose names the map labels.
// Prints one JSON line: the glyph requests and their statuses, the labels
// placed, and per label the pixels that change when the label layer is
// hidden (with the served glyphs, and again with every glyph request
// answered by an empty range, where nothing may draw). Screenshots land in
// ARTIFACT_DIR. Exits non-zero on any failure.
import { launch, idle, check } from './browser.mjs';

const [base, outDir, labelsJSON] = process.argv.slice(2);
const labels = JSON.parse(labelsJSON);
const result = {};

// settled resolves once the map has drawn everything it has to draw.
async function settled(page) {
  await idle(page);
  await page.evaluate(() => new Promise(resolve => {
    const m = window.__gr.map;
    m.once('idle', resolve);
    m.triggerRepaint();
  }));
}

// ink hides the label layer and counts, in a box around each label's
// park, the pixels that changed and the changed pixels' width.
async function ink(page, shot) {
  // Copied in the frame's render event: MapLibre 5 does not keep the
  // drawing buffer, so it is only whole until the frame is composited.
  const grab = () => page.evaluate(() => new Promise(resolve => {
    const m = window.__gr.map;
    m.once('render', () => {
      const c = m.getCanvas();
      const k = document.createElement('canvas');
      k.width = c.width; k.height = c.height;
      const g = k.getContext('2d');
      g.drawImage(c, 0, 0);
      (window.__grabs ||= []).push(g.getImageData(0, 0, c.width, c.height));
      resolve();
    });
    m.triggerRepaint();
  }));
  await grab();
  await page.screenshot({ path: `${outDir}/${shot}.png` });
  await page.evaluate(() => window.__gr.map.setLayoutProperty('green-label', 'visibility', 'none'));
  await settled(page);
  await grab();
  await page.screenshot({ path: `${outDir}/${shot}-hidden.png` });
  await page.evaluate(() => window.__gr.map.setLayoutProperty('green-label', 'visibility', 'visible'));
  await settled(page);
  return page.evaluate((labels) => {
    const [a, b] = window.__grabs.splice(0, 2);
    const m = window.__gr.map, ratio = a.width / m.getCanvas().clientWidth;
    const out = {};
    for (const l of labels) {
      const p = m.project([l.lon, l.lat]);
      const x0 = Math.max(0, Math.round((p.x - 150) * ratio)), x1 = Math.min(a.width, Math.round((p.x + 150) * ratio));
      const y0 = Math.max(0, Math.round((p.y - 25) * ratio)), y1 = Math.min(a.height, Math.round((p.y + 25) * ratio));
      let pixels = 0, minX = Infinity, maxX = -Infinity;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * a.width + x) * 4;
          const d = Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
          if (d > 48) { pixels++; minX = Math.min(minX, x); maxX = Math.max(maxX, x); }
        }
      }
      const r = m.getCanvas().getBoundingClientRect();
      out[l.name] = { pixels, width: pixels ? (maxX - minX + 1) / ratio : 0, x: r.left + p.x, y: r.top + p.y };
    }
    return out;
  }, labels);
}

const browser = await launch();
try {
  // With the served glyphs.
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const problems = [], glyphs = [];
    page.on('pageerror', e => problems.push(`page error: ${e.message}`));
    page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('response', r => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/fonts/')) glyphs.push({ url: decodeURIComponent(path), status: r.status() });
    });
    await page.goto(base + '/', { waitUntil: 'load' });
    await settled(page);
    result.glyphs = glyphs;
    result.placed = await page.evaluate(() => [...new Set(window.__gr.map.queryRenderedFeatures({ layers: ['green-label'] }).map(f => f.properties.name))].sort());
    result.ink = await ink(page, 'glyphs-labels');
    // A close-up of each label for the reader of the artifacts.
    for (const [i, l] of labels.entries()) {
      const p = result.ink[l.name];
      await page.screenshot({ path: `${outDir}/glyphs-label-${i}.png`, clip: { x: Math.max(0, p.x - 80), y: Math.max(0, p.y - 20), width: 160, height: 40 } });
    }
    check(problems.length === 0, problems.join('\n'));
    await ctx.close();
  }
  // Control: every glyph range answered empty. Labels are still placed
  // but nothing may draw — no browser font stands in.
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.route('**/fonts/**', r => r.fulfill({ status: 200, contentType: 'application/x-protobuf', body: Buffer.alloc(0) }));
    const page = await ctx.newPage();
    await page.goto(base + '/', { waitUntil: 'load' });
    await settled(page);
    result.blocked = await ink(page, 'glyphs-blocked');
    await ctx.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
