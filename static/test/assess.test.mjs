// Browser test of the auditor page's monthly assessment, run by
// static/assess_browser_test.go:
//   node test/assess.test.mjs BASE_URL MONTH ARTIFACT_DIR
// An auditor opens the page in Chinese at MONTH: the units' and streets'
// tables fill, the chart draws a bar per unit, the zone map draws the
// zones coloured by score, and the CSV export downloads with a BOM.
// Prints one JSON line for the Go test to check.
import { readFileSync } from 'node:fs';
import { launch, open, check } from './browser.mjs';

const [base, month, outDir] = process.argv.slice(2);
const { AUDITOR_TOKEN } = process.env;
const withToken = (t) => ({ storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: t }, { name: 'gr_lang', value: 'zh-CN' }] }] } });
const result = {};
const browser = await launch();
try {
  const { page, problems } = await open(browser, `${base}/auditor?month=${month}`, Object.assign({ locale: 'zh-CN', viewport: { width: 1280, height: 1000 } }, withToken(AUDITOR_TOKEN)));
  await page.waitForFunction(() => window.__asm && (window.__asm.ready || window.__asm.fatal), null, { timeout: 90000 });
  const fatal = await page.evaluate(() => window.__asm.fatal);
  check(!fatal, 'assessment failed: ' + fatal);
  await page.waitForFunction(() => { const m = window.__asm.map; return m && m.loaded() && m.areTilesLoaded() && !m.isMoving(); }, null, { timeout: 60000, polling: 100 });
  const s = await page.evaluate(() => { const { map, ...rest } = window.__asm; return rest; });
  result.state = s;
  result.lang = await page.evaluate(() => document.documentElement.lang);
  result.heading = await page.locator('#asm-heading').textContent();
  result.rows = await page.locator('#asm-units tbody tr').evaluateAll(trs => trs.map(tr => ({ unit: tr.dataset.unit, cells: [...tr.children].map(td => td.textContent) })));
  result.streetRows = await page.locator('#asm-streets tbody tr').count();
  result.head = await page.locator('#asm-units thead th').allTextContents();
  result.bars = await page.locator('#asm-chart svg rect').evaluateAll(rs => rs.map(r => ({ cls: r.getAttribute('class'), width: +r.getAttribute('width') })));
  // The zones the map drew, with the score each was coloured by.
  result.drawn = await page.evaluate(() => {
    const m = window.__asm.map;
    const seen = new Map();
    for (const f of m.queryRenderedFeatures({ layers: ['asm-zones'] })) seen.set(f.properties.code, f.properties.score ?? null);
    return [...seen].map(([code, score]) => ({ code, score }));
  });
  // Pixels of the map's canvas in the zones' colours (red, orange, green
  // shades), so that the fill is really painted.
  result.painted = await page.evaluate(async () => {
    const m = window.__asm.map;
    await new Promise(r => { m.once('render', r); m.triggerRepaint(); });
    const img = new Image();
    img.src = m.getCanvas().toDataURL('image/png');
    await img.decode();
    const cv = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
    const g = cv.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, cv.width, cv.height).data;
    // Red and orange: the zones of units below 90 (parks and belts are
    // green, roads grey, the background pale).
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, gr, b] = [d[i], d[i + 1], d[i + 2]];
      if (r - b > 70 && r - gr > 30) n++;
    }
    return n;
  });
  await page.locator('#assess').screenshot({ path: `${outDir}/assessment-zh-CN.png` });
  await page.screenshot({ path: `${outDir}/auditor-assessment-zh-CN-full.png`, fullPage: true });
  const dl = page.waitForEvent('download');
  await page.click('#asm-csv');
  const d = await dl;
  const csv = readFileSync(await d.path());
  result.csv = { status: await page.evaluate(() => window.__asm.exported['asm-csv']), name: d.suggestedFilename(), bom: csv.subarray(0, 3).toString('hex'), lines: csv.toString('utf8').trim().split('\r\n').length };
  // The year (年终考核), on request.
  result.yearInput = await page.inputValue('#asm-year');
  await page.click('#asm-year-show');
  await page.waitForFunction(() => window.__asm.yearUnits != null || window.__asm.yearError, null, { timeout: 60000 });
  result.yearError = await page.evaluate(() => window.__asm.yearError || null);
  result.yearHead = await page.locator('#asm-year-units thead th').allTextContents();
  result.yearRows = await page.locator('#asm-year-units tbody tr').evaluateAll(trs => trs.map(tr => ({ unit: tr.dataset.unit, cells: [...tr.children].map(td => td.textContent) })));
  result.yearSummary = await page.locator('#asm-year-summary').textContent();
  await page.locator('#asm-year-units').screenshot({ path: `${outDir}/assessment-year-zh-CN.png` });
  result.problems = problems;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
