// Browser test of a responsible unit's page, run by
// static/unit_browser_test.go:
//   node test/unit.test.mjs BASE_URL CASE_A CASE_B PHOTO ARTIFACT_DIR
// The unit's token sees its open cases (B overdue, first), all of them once
// "open only" is unticked; handles A with a note and a photo; then B is
// re-dispatched behind the page's back (as the dispatcher) and handling it
// from the page is refused (412), which the page says and shows B as it is
// now. Prints one JSON line for the Go test to check.
import { launch, open, check } from './browser.mjs';

const [base, a, b, photo, outDir] = process.argv.slice(2);
const { UNIT_TOKEN, DISPATCHER_TOKEN } = process.env;
const result = {};
const browser = await launch();

try {
  const { page, ctx, problems } = await open(browser, base + '/unit', {
    locale: 'zh-CN',
    storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: UNIT_TOKEN }] }] },
  });
  // The refused step is the test's: not a problem of the page.
  const expected = (p) => /HTTP 412 .*\/api\/cases\/\d+\/handle/.test(p) || /status of 412/.test(p);
  await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
  check(!(await page.evaluate(() => window.__gr.fatal)), 'page failed: ' + await page.evaluate(() => window.__gr.fatal));
  result.open = await page.evaluate(() => window.__gr.shown);
  result.overdueRows = await page.locator('#list tbody tr .overdue').count();
  result.count = await page.locator('#count').innerText();
  result.assessment = await page.evaluate(() => window.__gr.assessment);
  result.assessText = await page.locator('#assess').innerText();
  await page.screenshot({ path: `${outDir}/unit-list.png`, fullPage: true });
  await page.uncheck('#f-open');
  result.all = await page.evaluate(() => window.__gr.shown);
  await page.check('#f-open');

  // Handle A with a note and a photo.
  const steps = () => page.evaluate(() => window.__gr.steps);
  await page.click(`#list tr[data-id="${a}"]`);
  await page.waitForSelector('form.step[data-action=handle]');
  await page.fill('form.step[data-action=handle] textarea[name=note]', '已清理断枝并修剪');
  await page.setInputFiles('form.step[data-action=handle] input[name=photo]', photo);
  await page.click('form.step[data-action=handle] button');
  await page.waitForFunction(() => window.__gr.steps === 1, null, { timeout: 20000 });
  result.handled = await page.evaluate(() => ({ id: window.__gr.selected.id, state: window.__gr.selected.state, notice: document.querySelector('#detail .notice').innerText }));
  await page.waitForFunction(() => [...document.querySelectorAll('#detail img.thumb')].every(i => i.complete && i.naturalWidth > 0), null, { timeout: 10000 });
  await page.screenshot({ path: `${outDir}/unit-handled.png`, fullPage: true });

  // B, opened in the page, is re-dispatched behind its back.
  await page.click(`#list tr[data-id="${b}"]`);
  await page.waitForFunction((b) => window.__gr.selected && window.__gr.selected.id === b, +b);
  const v = await page.evaluate(() => window.__gr.selected.version);
  const status = await page.evaluate(async ([b, v, tok]) => {
    const r = await fetch(`api/cases/${b}/dispatch`, { method: 'POST', headers: { Authorization: 'Bearer ' + tok, 'Content-Type': 'application/json', 'If-Match': `"v${v}"` }, body: JSON.stringify({ unit: 'U01', note: '改派：重新指定处置人' }) });
    return r.status;
  }, [b, v, DISPATCHER_TOKEN]);
  check(status === 200, 're-dispatching B behind the page: HTTP ' + status);
  await page.fill('form.step[data-action=handle] textarea[name=note]', '已处置');
  await page.setInputFiles('form.step[data-action=handle] input[name=photo]', photo);
  await page.click('form.step[data-action=handle] button');
  await page.waitForFunction(() => window.__gr.conflicts === 1, null, { timeout: 20000 });
  result.conflict = await page.evaluate(() => ({
    state: window.__gr.selected.state, version: window.__gr.selected.version, conflicts: window.__gr.conflicts,
    notice: document.querySelector('#detail .notice').innerText,
  }));
  await page.screenshot({ path: `${outDir}/unit-conflict.png`, fullPage: true });
  result.missing = await page.evaluate(() => [...GR.missing]);
  result.problems = problems.filter(p => !expected(p));
  await ctx.close();

  // In English.
  const en = await open(browser, base + '/unit', {
    locale: 'en-US',
    storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: UNIT_TOKEN }] }] },
  });
  await en.page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
  result.english = {
    lang: await en.page.evaluate(() => document.documentElement.lang),
    where: await en.page.locator('.where').innerText(),
    assess: await en.page.locator('#assess').innerText(),
    missing: await en.page.evaluate(() => [...GR.missing]),
  };
  await en.ctx.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
