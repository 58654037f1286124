// Browser test of the dispatcher's case board, run by
// static/cases_browser_test.go:
//   node test/cases.test.mjs BASE_URL CASE_A CASE_B CASE_C ARTIFACT_DIR
// Three reported cases (A and B broken branches, C an overflowing bin):
// filter; register A, then dispatch it to U01; register B behind the
// page's back and try to reject it from the page (412); reject C. Prints
// one JSON line for the Go test to check.
import { launch, open, check } from './browser.mjs';

const [base, a, b, c, outDir] = process.argv.slice(2);
const { DISPATCHER_TOKEN } = process.env;
const result = {};
const browser = await launch();

try {
  const { page, ctx, problems } = await open(browser, base + '/cases', {
    locale: 'zh-CN',
    storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: DISPATCHER_TOKEN }] }] },
  });
  await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
  check(!(await page.evaluate(() => window.__gr.fatal)), 'page failed: ' + await page.evaluate(() => window.__gr.fatal));
  const ids = () => page.evaluate(() => window.__gr.list.map(k => k.id));
  const loaded = () => page.evaluate(() => window.__gr.loaded);
  // filter sets a filter and waits for the list it loads.
  async function filter(fn) {
    const n = await loaded();
    await fn();
    await page.waitForFunction((n) => window.__gr.loaded > n, n, { timeout: 10000 });
    return ids();
  }
  const idle = () => page.waitForFunction(() => { const m = window.__gr.map; return !m || (m.loaded() && m.areTilesLoaded() && !m.isMoving()); }, null, { timeout: 60000, polling: 100 });
  result.initial = await ids();
  result.byCategory = await filter(() => page.selectOption('#f-category', 'overflowing_bin'));
  await filter(() => page.selectOption('#f-category', ''));
  result.byState = await filter(() => page.selectOption('#f-state', 'reported'));
  await filter(() => page.selectOption('#f-state', ''));
  await idle();
  await page.screenshot({ path: `${outDir}/cases-board.png` });

  const selected = () => page.evaluate(() => ({ state: window.__gr.selected.state, unit: window.__gr.selected.unit || '' }));
  const steps = () => page.evaluate(() => window.__gr.steps || 0);
  async function take(action, fill = {}) {
    const n = await steps();
    const form = page.locator(`#detail form.step[data-action=${action}]`);
    for (const [name, v] of Object.entries(fill)) await form.locator(`[name=${name}]`).fill(v);
    await form.locator('button').click();
    await page.waitForFunction((n) => (window.__gr.steps || 0) > n, n, { timeout: 10000 });
  }
  async function pick(id) {
    await page.click(`#list tr[data-id="${id}"]`);
    await page.waitForFunction((id) => window.__gr.selected && window.__gr.selected.id === id, +id, { timeout: 10000 });
  }

  // A: register (no zone holds it here: it waits), then dispatch to U01.
  await pick(a);
  await take('register');
  result.afterRegister = await selected();
  await take('dispatch', { unit: 'U01' });
  result.afterDispatch = await selected();
  result.history = await page.locator('#detail ol.history li').allInnerTexts();
  await idle();
  await page.screenshot({ path: `${outDir}/cases-dispatched.png` });

  // B: another dispatcher registers it meanwhile; the page's reject is
  // refused (412) and the page shows B as it is now.
  await pick(b);
  const status = await page.evaluate(async (id) => {
    const k = window.__gr.selected;
    const r = await fetch(`api/cases/${id}/register`, { method: 'POST', headers: { Authorization: 'Bearer ' + localStorage.getItem('gr_token'), 'Content-Type': 'application/json', 'If-Match': `"v${k.version}"` }, body: '{}' });
    return r.status;
  }, +b);
  check(status === 200, 'registering B behind the page: HTTP ' + status);
  const conflicts = await page.evaluate(() => window.__gr.conflicts);
  await page.locator('#detail form.step[data-action=reject] [name=note]').fill('重复上报');
  await page.locator('#detail form.step[data-action=reject] button').click();
  await page.waitForFunction((n) => window.__gr.conflicts > n, conflicts, { timeout: 10000 });
  result.conflict = {
    state: (await selected()).state,
    notice: await page.locator('#detail .notice').innerText(),
    conflicts: await page.evaluate(() => window.__gr.conflicts),
    actions: await page.locator('#detail form.step').evaluateAll(fs => fs.map(f => f.dataset.action)),
  };
  await page.screenshot({ path: `${outDir}/cases-conflict.png` });

  // C: reject with a reason.
  await pick(c);
  await take('reject', { note: '不属于绿化范围' });
  result.rejected = await page.evaluate(() => ({ state: window.__gr.selected.state, reason: window.__gr.selected.reason }));

  result.dispatched = await filter(() => page.selectOption('#f-state', 'dispatched'));
  await filter(() => page.selectOption('#f-state', ''));
  result.overdue = await filter(() => page.check('#f-overdue'));
  await filter(() => page.uncheck('#f-overdue'));
  await idle();
  await page.screenshot({ path: `${outDir}/cases-board-after.png` });
  // The refused step is the test's own doing, not the page's fault.
  result.problems = problems.filter(p => !/412|Precondition Failed/.test(p));
  result.missing = await page.evaluate(() => [...GR.missing]);
  await ctx.close();

  // Without a token the board says which it needs.
  const anon = await open(browser, base + '/cases', { locale: 'zh-CN' });
  await anon.page.waitForFunction(() => window.__gr && window.__gr.fatal, null, { timeout: 30000 });
  result.anonymous = await anon.page.locator('#count').innerText();
  await anon.ctx.close();

  // The board in English.
  const en = await open(browser, base + '/cases', {
    locale: 'en-US',
    storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: DISPATCHER_TOKEN }] }] },
  });
  await en.page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
  await en.page.click(`#list tr[data-id="${a}"]`);
  await en.page.waitForSelector('#detail ol.history li');
  result.english = {
    lang: await en.page.evaluate(() => document.documentElement.lang),
    heads: await en.page.locator('#list thead th').allInnerTexts(),
    state: await en.page.locator('#detail .case-fields .state').innerText(),
    missing: await en.page.evaluate(() => [...GR.missing]),
  };
  await en.page.screenshot({ path: `${outDir}/cases-en.png` });
  result.problems.push(...en.problems);
  await en.ctx.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
