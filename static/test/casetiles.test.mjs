// Browser test of the case tiles, run by static/case_tiles_browser_test.go:
//   node test/casetiles.test.mjs BASE_URL MONTH LAST_MONTH LON LAT ARTIFACT_DIR REPORTED_ID REPORTED_LON REPORTED_LAT
// The case board's heatmap over MONTH and LAST_MONTH (a dispatcher's
// token), then the public map's case layer without a token. Prints one
// JSON line for the Go test to check.
import { launch, open, check } from './browser.mjs';

const [base, month, lastMonth, lon, lat, outDir, reportedID, rLon, rLat] = process.argv.slice(2);
const { DISPATCHER_TOKEN } = process.env;
const result = { board: {}, public: {}, problems: [] };
const browser = await launch();
const idle = (page) => page.waitForFunction(() => { const m = window.__gr.map; return m && m.loaded() && m.areTilesLoaded() && !m.isMoving(); }, null, { timeout: 60000, polling: 100 });
// features lists a source layer's features over the tiles loaded, once
// each (a feature may sit in two tiles' buffers).
const features = (page, source, layer) => page.evaluate(([source, layer]) => {
  const seen = new Set();
  return window.__gr.map.querySourceFeatures(source, { sourceLayer: layer }).map(f => ({ p: f.properties, c: f.geometry.coordinates }))
    .filter(f => { const k = JSON.stringify(f); if (seen.has(k)) return false; seen.add(k); return true; });
}, [source, layer]);

try {
  // The board's heatmap.
  {
    const { page, problems } = await open(browser, `${base}/cases?heat=true&month=${month}`, {
      locale: 'zh-CN',
      storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: DISPATCHER_TOKEN }] }] },
    });
    await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
    check(!(await page.evaluate(() => window.__gr.fatal)), 'board failed: ' + await page.evaluate(() => window.__gr.fatal));
    check(await page.evaluate(() => !!window.__gr.heat), 'no heatmap on the board');
    result.board.month = await page.evaluate(() => window.__gr.heat.month);
    result.board.query = await page.evaluate(() => window.__gr.heat.query);
    await page.evaluate(([lon, lat]) => window.__gr.map.jumpTo({ center: [lon, lat], zoom: 14.5 }), [+lon, +lat]);
    await idle(page);
    // Every case of the month as a point somewhere in the town: look at
    // each case's own tile.
    const ids = new Set();
    for (const k of await page.evaluate(() => window.__gr.list.map(k => [k.lon, k.lat]))) {
      await page.evaluate((k) => window.__gr.map.jumpTo({ center: k, zoom: 15 }), k);
      await idle(page);
      for (const f of await features(page, 'heat', 'cases')) ids.add(f.p.id);
    }
    result.board.ids = [...ids];
    await page.screenshot({ path: `${outDir}/cases-heatmap-points.png` });
    await page.evaluate(([lon, lat]) => window.__gr.map.jumpTo({ center: [lon, lat], zoom: 13 }), [+lon, +lat]);
    await idle(page);
    result.board.cells = (await features(page, 'heat', 'cases_heat')).reduce((n, f) => n + f.p.count, 0);
    await page.screenshot({ path: `${outDir}/cases-heatmap.png` });
    await page.fill('#f-month', lastMonth);
    await page.dispatchEvent('#f-month', 'change');
    await page.waitForFunction((m) => window.__gr.heat && window.__gr.heat.month === m, lastMonth, { timeout: 10000 });
    await idle(page);
    result.board.lastMonth = (await features(page, 'heat', 'cases_heat')).length + (await features(page, 'heat', 'cases')).length;
    // This month's reported cases: the one still reported is drawn; once
    // the board registers it, the heatmap redraws without it at once.
    await page.fill('#f-month', month);
    await page.dispatchEvent('#f-month', 'change');
    await page.selectOption('#f-state', 'reported');
    await page.waitForFunction(() => window.__gr.heat && /state=reported/.test(window.__gr.heat.query), null, { timeout: 10000 });
    await page.evaluate(([lon, lat]) => window.__gr.map.jumpTo({ center: [lon, lat], zoom: 15 }), [+rLon, +rLat]);
    await idle(page);
    result.board.reportedBefore = (await features(page, 'heat', 'cases')).map(f => f.p.id);
    await page.click(`#list tr[data-id="${reportedID}"]`);
    await page.waitForFunction((id) => window.__gr.selected && window.__gr.selected.id === id, +reportedID, { timeout: 10000 });
    const n = await page.evaluate(() => window.__gr.steps || 0);
    await page.locator('#detail form.step[data-action=register] button').click();
    await page.waitForFunction((n) => (window.__gr.steps || 0) > n, n, { timeout: 10000 });
    await idle(page);
    result.board.reportedAfter = (await features(page, 'heat', 'cases')).map(f => f.p.id);
    result.problems.push(...problems);
  }

  // The public map's case layer, without a token.
  {
    const { page, problems } = await open(browser, `${base}/`, { locale: 'zh-CN' });
    await page.waitForFunction(() => window.__gr && window.__gr.ready, null, { timeout: 60000 });
    await page.evaluate(([lon, lat]) => window.__gr.map.jumpTo({ center: [lon, lat], zoom: 11 }), [+lon, +lat]);
    await idle(page);
    await page.click('#cases-toggle');
    await page.waitForFunction(() => window.__gr.cases === true, null, { timeout: 10000 });
    await idle(page);
    result.public.cells = (await features(page, 'public-cases', 'cases_heat')).reduce((n, f) => n + f.p.count, 0);
    await page.screenshot({ path: `${outDir}/map-cases-heat.png` });
    await page.evaluate(([lon, lat]) => window.__gr.map.jumpTo({ center: [lon, lat], zoom: 15 }), [+lon, +lat]);
    await idle(page);
    const drawn = await features(page, 'public-cases', 'cases');
    result.public.drawn = drawn.length;
    result.public.keys = [...new Set(drawn.flatMap(f => Object.keys(f.p)))].sort();
    result.public.states = drawn.map(f => f.p.state);
    if (drawn.length > 0) {
      const xy = await page.evaluate((c) => { const p = window.__gr.map.project(c); return { x: p.x, y: p.y }; }, drawn[0].c);
      const box = await page.locator('#map').boundingBox();
      await page.mouse.click(box.x + xy.x, box.y + xy.y);
      await page.waitForFunction(() => !!window.__gr.caseShown, null, { timeout: 10000 });
      result.public.popup = await page.locator('.maplibregl-popup .case').innerText();
    }
    await page.screenshot({ path: `${outDir}/map-cases.png` });
    result.problems.push(...problems);
  }
} catch (err) {
  result.problems.push(String(err.stack || err));
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
