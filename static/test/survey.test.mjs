// Browser test of the green-space survey on the map, run by
// static/survey_browser_test.go:
//   INSPECTOR_TOKEN=… OTHER_TOKEN=… node test/survey.test.mjs BASE_URL PARK_NAME TREES ARTIFACT_DIR
// An inspector (token in the browser) finds the park by name: its survey
// record and history show under its details. She sets its trees to TREES
// and saves (If-Match); then another inspector saves first through the
// API, so her next save is refused (412) and the page says so; loading the
// latest record shows the other's value. Prints one JSON line.
import { launch, open, idle, check } from './browser.mjs';

const [base, parkName, trees, outDir] = process.argv.slice(2);
const { INSPECTOR_TOKEN, OTHER_TOKEN } = process.env;
const withToken = (t) => ({ storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: t }, { name: 'gr_lang', value: 'zh-CN' }] }] } });
const result = {};
const browser = await launch();
try {
  const { page, problems } = await open(browser, base + '/', Object.assign({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } }, withToken(INSPECTOR_TOKEN)));
  await idle(page);
  result.lang = await page.evaluate(() => document.documentElement.lang);
  result.tokenButton = await page.locator('.nav button.token').count();

  await page.fill('#q', parkName);
  await page.waitForSelector('#results button[data-i]', { timeout: 10000 });
  await page.locator('#results button[data-i]').first().click();
  await page.waitForFunction(() => window.__survey.ready && window.__survey.record, null, { timeout: 20000 });
  result.heading = await page.locator('#survey h2').textContent();
  result.before = await page.evaluate(() => ({ id: window.__survey.record.id, version: window.__survey.record.version, editable: window.__survey.record.editable }));
  result.fields = await page.locator('#survey .survey-record dt').allTextContents();
  check(await page.locator('#survey-form').count() === 1, 'no survey form for an inspector');

  // Her survey.
  await page.fill('#survey-form input[name=trees]', trees);
  await page.fill('#survey-form input[name=note]', '2026 年普查');
  await page.click('#survey-form button[type=submit]');
  await page.waitForFunction(() => window.__survey.saved === 1, null, { timeout: 20000 });
  result.saved = {
    message: await page.locator('#survey .ok').textContent(),
    trees: await page.locator('#survey dd[data-field=trees]').textContent(),
    version: await page.evaluate(() => window.__survey.record.version),
    history: await page.locator('#survey .survey-history li').allInnerTexts(),
  };
  await page.locator('#panel').screenshot({ path: `${outDir}/survey-saved-zh-CN.png` });

  // Another inspector saves first.
  result.other = await page.evaluate(async ([tok, v]) => {
    const r = await fetch(`api/survey/green/${window.__survey.record.id}`, { method: 'PATCH', headers: { Authorization: 'Bearer ' + tok, 'If-Match': `"v${v}"`, 'Content-Type': 'application/json' }, body: JSON.stringify({ trees: 4321 }) });
    return r.status;
  }, [OTHER_TOKEN, result.saved.version]);
  await page.fill('#survey-form input[name=lawn_m2]', '10');
  await page.click('#survey-form button[type=submit]');
  await page.waitForFunction(() => window.__survey.stale === 1, null, { timeout: 20000 });
  result.stale = await page.locator('#survey .stale .error').textContent();
  await page.locator('#panel').screenshot({ path: `${outDir}/survey-stale-zh-CN.png` });
  await page.screenshot({ path: `${outDir}/survey-map-zh-CN.png` });

  // The latest record.
  await page.click('#survey-reload');
  await page.waitForFunction((v) => window.__survey.ready && window.__survey.record && window.__survey.record.version > v, result.saved.version, { timeout: 20000 });
  result.reloaded = {
    trees: await page.locator('#survey dd[data-field=trees]').textContent(),
    version: await page.evaluate(() => window.__survey.record.version),
    history: await page.locator('#survey .survey-history li').count(),
  };
  result.problems = problems;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
