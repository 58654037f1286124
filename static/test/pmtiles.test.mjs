// Browser test of the public map on a PMTiles archive, run by
// static/pmtiles_test.go:  node test/pmtiles.test.mjs PAGE_URL ARTIFACT_DIR
// Prints the parks rendered and every tile request the page made.
import { launch, open, idle } from './browser.mjs';

const [url, outDir] = process.argv.slice(2);
const browser = await launch();
const result = { requests: [] };
try {
  const { page, problems } = await open(browser, 'about:blank');
  page.on('request', r => result.requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  await idle(page);
  result.rendered = await page.evaluate(() => [...new Set(window.__gr.map.queryRenderedFeatures({ layers: ['green'] }).map(f => f.id))]);
  result.attribution = await page.locator('.maplibregl-ctrl-attrib').innerText();
  await page.screenshot({ path: `${outDir}/map-pmtiles.png` });
  result.problems = problems;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
