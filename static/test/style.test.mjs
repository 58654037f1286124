// Browser test of the served style, run by static/style_test.go:
//   node test/style.test.mjs BASE_URL ARTIFACT_DIR
// Opens the public map and prints one JSON line: whether the page asked for
// /style.json and the sprite, the style's name and layer ids as the map
// holds them, the parks drawn (rendered features of the style's green
// layer) and the page's problems. Exits non-zero on any failure.
import { launch, open, idle } from './browser.mjs';

const [base, outDir] = process.argv.slice(2);
const browser = await launch();
try {
  const requested = [];
  const { page, problems } = await open(browser, base + '/', {});
  page.on('request', r => requested.push(new URL(r.url()).pathname));
  await page.reload({ waitUntil: 'load' });
  await idle(page);
  const parks = await page.evaluate(() => new Set(window.__gr.map.queryRenderedFeatures({ layers: ['green'] }).map(f => f.id)).size);
  await page.screenshot({ path: `${outDir}/style.png` });
  // From z16 the waste points are the sprite's icons.
  await page.evaluate(() => window.__gr.map.zoomTo(16.5, { duration: 0 }));
  await idle(page);
  const out = await page.evaluate(() => {
    const m = window.__gr.map, st = m.getStyle();
    return {
      name: st.name,
      layers: st.layers.map(l => l.id),
      images: m.listImages().filter(n => n.startsWith('waste-') || n === 'park').length,
    };
  });
  out.parks = parks;
  await page.screenshot({ path: `${outDir}/style-z16.png` });
  out.styleRequested = requested.some(p => p.endsWith('/style.json'));
  out.spriteRequested = requested.some(p => /\/sprite(@2x)?\.(json|png)$/.test(p));
  out.problems = problems;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
