// Browser test of the planner and auditor pages, run by
// static/browser_test.go:
//   node test/planner.test.mjs BASE_URL LON LAT ARTIFACT_DIR
// A planner draws a park around (LON, LAT), sees the delta, saves the
// scenario, reloads and finds it; an auditor sees the table and chart.
// Prints one JSON line for the Go test to check.
import { launch, open, check } from './browser.mjs';

const [base, lon, lat, outDir] = process.argv.slice(2);
const { PLANNER_TOKEN, AUDITOR_TOKEN } = process.env;
const withToken = (t) => ({ storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: t }] }] } });
const result = {};
const browser = await launch();

async function ready(page) {
  await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
  const fatal = await page.evaluate(() => window.__gr.fatal);
  check(!fatal, 'page failed: ' + fatal);
  await page.waitForFunction(() => { const m = window.__gr.map; return !m || (m.loaded() && m.areTilesLoaded()); }, null, { timeout: 60000, polling: 100 });
}

try {
  const { page, problems } = await open(browser, base + '/planner', withToken(PLANNER_TOKEN));
  await ready(page);
  await page.evaluate(([lon, lat]) => window.__gr.map.jumpTo({ center: [lon, lat], zoom: 16 }), [+lon, +lat]);
  await ready(page);
  // Draw a park: a square of 160 px around the point (≈ 190 m at z16),
  // closed by clicking its first corner again.
  const box = await page.locator('#map canvas').boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2, h = 80;
  await page.click('#draw-park');
  const corners = [[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h], [cx - h, cy - h]];
  for (const [x, y] of corners) {
    await page.mouse.move(x, y, { steps: 4 });
    await page.mouse.click(x, y);
    await page.waitForTimeout(150);
  }
  await page.waitForFunction(() => window.__gr.delta, null, { timeout: 30000 });
  await page.waitForSelector('#delta tbody tr');
  result.delta = await page.evaluate(() => window.__gr.delta.rules.map(r => ({ id: r.id, before: r.city.before.value, after: r.city.after.value, newly: r.residents_newly_covered })));
  result.added = await page.evaluate(() => window.__gr.delta.added.features.map(f => f.geometry));
  result.tableRows = await page.locator('#delta tbody tr').count();
  await ready(page);
  await page.screenshot({ path: `${outDir}/planner-delta.png` });

  // Save, reload, find it again with the same delta.
  await page.fill('#scenario-name', '东区新公园 browser test');
  await page.click('#save button[type=submit]');
  await page.waitForFunction(() => window.__gr.saved, null, { timeout: 10000 });
  result.saved = await page.evaluate(() => window.__gr.saved);
  await page.reload({ waitUntil: 'load' });
  await ready(page);
  await page.waitForFunction(() => window.__gr.delta, null, { timeout: 30000 });
  result.reloaded = {
    url: page.url(),
    saved: await page.evaluate(() => window.__gr.saved),
    listed: await page.locator('#scenarios li').allInnerTexts(),
    delta: await page.evaluate(() => window.__gr.delta.rules.map(r => ({ id: r.id, after: r.city.after.value, newly: r.residents_newly_covered }))),
    drawn: await page.evaluate(() => window.__gr.draw.getSnapshot().length),
  };
  // Suggestions for the first rule.
  await page.click('#suggest button[type=submit]');
  await page.waitForFunction(() => window.__gr.suggested, null, { timeout: 60000 });
  result.suggested = await page.evaluate(() => window.__gr.suggested);
  await ready(page);
  await page.screenshot({ path: `${outDir}/planner-reloaded.png` });
  result.problems = problems;

  // The auditor's page.
  // Without a token the auditor's page says what it needs.
  const anon = await open(browser, base + '/auditor');
  await anon.page.waitForFunction(() => window.__gr && window.__gr.fatal, null, { timeout: 30000 });
  result.anonymousAuditor = await anon.page.evaluate(() => window.__gr.fatal);
  await anon.ctx.close();
  const aud = await open(browser, base + '/auditor', withToken(AUDITOR_TOKEN));
  await ready(aud.page);
  result.auditor = {
    table: await aud.page.evaluate(() => window.__gr.table),
    chart: await aud.page.evaluate(() => window.__gr.chart),
    bars: await aud.page.locator('#chart svg rect').count(),
    passCells: await aud.page.locator('#table td.pass').count(),
    failCells: await aud.page.locator('#table td.fail').count(),
    gaps: await aud.page.evaluate(() => window.__gr.gaps),
    csv: await (async () => {
      const dl = aud.page.waitForEvent('download');
      await aud.page.click('#csv');
      const d = await dl;
      return { status: await aud.page.evaluate(() => window.__gr.exported.csv), name: d.suggestedFilename(), bytes: (await import('node:fs')).statSync(await d.path()).size };
    })(),
  };
  await aud.page.screenshot({ path: `${outDir}/auditor.png`, fullPage: true });
  await aud.page.emulateMedia({ media: 'print' });
  await aud.page.pdf?.({ path: `${outDir}/auditor-print.pdf` }).catch(() => {});
  result.problems.push(...aud.problems);

  // The audit's standalone HTML report, as the auditor's export opens it.
  const rep = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { Authorization: 'Bearer ' + AUDITOR_TOKEN } });
  const rp = await rep.newPage();
  const resp = await rp.goto(base + '/api/audit?format=html', { waitUntil: 'load' });
  const mapBox = await rp.locator('svg').first().boundingBox();
  result.report = {
    status: resp.status(),
    type: resp.headers()['content-type'],
    tables: await rp.locator('table').count(),
    rows: await rp.locator('table tr').count(),
    mapShapes: await rp.locator('svg path, svg polygon').count(),
    mapWidth: mapBox ? mapBox.width : 0,
  };
  await rp.screenshot({ path: `${outDir}/audit-report.png`, fullPage: true });
  await rep.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
