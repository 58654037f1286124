// Browser test of the public map, run by static/browser_test.go:
//   node test/map.test.mjs BASE_URL PARK_NAME ARTIFACT_DIR
// Prints one JSON line of what the page showed; the Go test checks it
// against the index. Exits non-zero on any failure.
import { launch, open, idle, check } from './browser.mjs';

const [base, parkName, outDir] = process.argv.slice(2);
const result = {};
const browser = await launch();
try {
  const { page, problems } = await open(browser, base + '/');
  await idle(page);
  // Parks are drawn: the rendered green features of the whole view.
  result.rendered = await page.evaluate(() => {
    const fs = window.__gr.map.queryRenderedFeatures({ layers: ['green'] });
    return [...new Set(fs.map(f => f.id))];
  });
  check(result.rendered.length > 0, 'no park rendered');
  result.attribution = await page.locator('.maplibregl-ctrl-attrib').innerText();

  // Search by the Chinese name and pick the result.
  await page.fill('#q', parkName);
  await page.waitForSelector('#results button[data-i]', { timeout: 10000 });
  result.results = await page.locator('#results button[data-i]').allInnerTexts();
  await page.locator('#results button[data-i]').first().click();
  await page.waitForSelector('.maplibregl-popup .area');
  result.searchPopup = { title: await page.locator('.maplibregl-popup h3').innerText(), area: await page.locator('.maplibregl-popup .area').innerText() };
  result.selected = await page.evaluate(() => window.__gr.selected);
  await idle(page);
  await page.screenshot({ path: `${outDir}/map-search.png` });

  // Click the park itself on the map: a pixel where it is drawn.
  const px = await page.evaluate((id) => {
    const m = window.__gr.map, c = m.getCanvas();
    const w = c.clientWidth, h = c.clientHeight;
    for (let i = 0; i < 4000; i++) {
      const x = w * (0.5 + 0.45 * Math.sin(i * 2.399) * Math.sqrt(i / 4000)), y = h * (0.5 + 0.45 * Math.cos(i * 2.399) * Math.sqrt(i / 4000));
      if (m.queryRenderedFeatures([x, y], { layers: ['green'] }).some(f => f.id === id)) {
        const r = c.getBoundingClientRect();
        return [r.left + x, r.top + y];
      }
    }
    return null;
  }, result.selected.id);
  check(px, 'the searched park is not drawn in view');
  await page.evaluate(() => { window.__gr.selected = null; document.querySelector('.maplibregl-popup')?.remove(); });
  await page.mouse.click(px[0], px[1]);
  await page.waitForFunction(() => window.__gr.selected, null, { timeout: 10000 });
  await page.waitForSelector('.maplibregl-popup .area');
  result.clickPopup = { selected: await page.evaluate(() => window.__gr.selected), area: await page.locator('.maplibregl-popup .area').innerText() };

  // Click beside it, off any park: the nearest parks with distances.
  await page.evaluate(() => window.__gr.map.zoomTo(14, { duration: 0 }));
  await idle(page);
  const off = await page.evaluate(() => {
    const m = window.__gr.map, c = m.getCanvas(), r = c.getBoundingClientRect();
    for (let i = 0; i < 400; i++) {
      const x = c.clientWidth * (0.3 + 0.4 * ((i * 37) % 100) / 100), y = c.clientHeight * (0.3 + 0.4 * ((i * 61) % 100) / 100);
      if (m.queryRenderedFeatures([x, y], { layers: ['green'] }).length === 0) {
        const ll = m.unproject([x, y]);
        return { px: [r.left + x, r.top + y], lon: ll.lng, lat: ll.lat };
      }
    }
    return null;
  });
  check(off, 'no spot off the parks');
  await page.evaluate(() => { window.__gr.nearest = null; });
  await page.mouse.click(off.px[0], off.px[1]);
  await page.waitForFunction(() => window.__gr.nearest, null, { timeout: 20000 });
  result.nearest = await page.evaluate(() => window.__gr.nearest);
  result.panel = await page.locator('#panel').innerText();
  await page.screenshot({ path: `${outDir}/map-nearest.png` });
  result.problems = problems;

  // A phone: the panel sits under the map, the search box stays usable.
  const phone = await open(browser, base + '/', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await idle(phone.page);
  const box = async (sel) => phone.page.locator(sel).boundingBox();
  const [mapBox, panelBox, qBox] = [await box('#map'), await box('#panel'), await box('#q')];
  result.phone = { map: mapBox, panel: panelBox, search: qBox, rendered: await phone.page.evaluate(() => window.__gr.map.queryRenderedFeatures({ layers: ['green'] }).length) };
  check(panelBox.y >= mapBox.y + mapBox.height - 1 && mapBox.width <= 390 && qBox.width > 200, 'phone layout: ' + JSON.stringify(result.phone));
  await phone.page.screenshot({ path: `${outDir}/map-phone.png` });
  result.problems.push(...phone.problems);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
