// Browser test of the inspector's phone page, run by
// static/cases_browser_test.go:
//   node test/inspect.test.mjs BASE_URL LON LAT SMALL_JPEG BIG_JPEG ARTIFACT_DIR
// A phone (390×844, touch) at the mocked position (LON, LAT) reports a case
// with SMALL_JPEG; offline, it reports another with BIG_JPEG at a place
// moved on the map, sees it waiting, and goes back online. Prints one JSON
// line for the Go test to check.
import { launch, check } from './browser.mjs';

const [base, lon, lat, small, big, outDir] = process.argv.slice(2);
const { INSPECTOR_TOKEN } = process.env;
const result = { problems: [] };
const browser = await launch();

try {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', permissions: ['geolocation'], geolocation: { longitude: +lon, latitude: +lat, accuracy: 8 },
    storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: INSPECTOR_TOKEN }] }] },
  });
  const page = await ctx.newPage();
  let offline = false;
  page.on('pageerror', e => result.problems.push(`page error: ${e.message}`));
  // Offline, the browser logs every request it could not make: expected.
  page.on('console', m => { if (m.type() === 'error' && !(offline && /ERR_INTERNET_DISCONNECTED/.test(m.text()))) result.problems.push(`console: ${m.text()}`); });
  page.on('response', r => { if (r.status() >= 400) result.problems.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.goto(base + '/inspect', { waitUntil: 'load' });
  await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
  check(!(await page.evaluate(() => window.__gr.fatal)), 'page failed: ' + await page.evaluate(() => window.__gr.fatal));
  await page.waitForFunction(() => window.__gr.point && window.__gr.located, null, { timeout: 20000 });
  result.point = await page.evaluate(() => window.__gr.point);
  const cats = await page.evaluate(() => window.__gr.categories.categories.map(c => c.code));
  check(cats.length >= 2, 'categories: ' + cats);
  const idle = () => page.waitForFunction(() => { const m = window.__gr.map; return !m || (m.loaded() && m.areTilesLoaded() && !m.isMoving()); }, null, { timeout: 60000, polling: 100 });
  await idle();

  // Online: a report with a small photo.
  await page.selectOption('#category', 'broken_branch');
  await page.setInputFiles('#photo', small);
  await page.waitForSelector('#preview:not([hidden])');
  await page.fill('#note', '在线上报：断枝压在人行道上');
  await page.screenshot({ path: `${outDir}/inspect-form.png`, fullPage: true });
  // Phone-first: nothing wider than the screen, a thumb-sized send button.
  result.layout = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth, width: window.innerWidth,
    submitHeight: document.getElementById('submit').getBoundingClientRect().height,
  }));
  await page.tap('#submit');
  await page.waitForFunction(() => window.__gr.sent.length === 1, null, { timeout: 20000 });
  result.online = { id: await page.evaluate(() => window.__gr.sent[0].id) };
  await page.screenshot({ path: `${outDir}/inspect-sent.png`, fullPage: true });

  // Offline: move the place on the map, report with a large photo.
  offline = true;
  await ctx.setOffline(true);
  await page.waitForFunction(() => navigator.onLine === false);
  const box = await page.locator('#map canvas').boundingBox();
  await page.touchscreen.tap(box.x + box.width * 0.7, box.y + box.height * 0.35);
  await page.waitForFunction(() => window.__gr.adjusted, null, { timeout: 10000 });
  result.adjusted = await page.evaluate(() => window.__gr.point);
  await page.selectOption('#category', 'overflowing_bin');
  await page.setInputFiles('#photo', big);
  await page.waitForFunction(() => window.__gr.photo && window.__gr.photo.original > 2000000, null, { timeout: 20000 });
  result.photo = await page.evaluate(() => window.__gr.photo);
  await page.fill('#note', '离线上报：垃圾满溢');
  await page.tap('#submit');
  await page.waitForSelector('#queue:not([hidden]) strong', { timeout: 10000 });
  result.queueText = await page.locator('#queue').innerText();
  result.queuedIDB = await page.evaluate(() => new Promise((resolve, reject) => {
    const r = indexedDB.open('greenreach-inspect');
    r.onsuccess = () => { const c = r.result.transaction('queue').objectStore('queue').count(); c.onsuccess = () => resolve(c.result); c.onerror = () => reject(c.error); };
    r.onerror = () => reject(r.error);
  }));
  result.statusOffline = await page.locator('#status').innerText();
  await page.screenshot({ path: `${outDir}/inspect-offline.png`, fullPage: true });

  // Back online: the page sends it by itself (the online event).
  await ctx.setOffline(false);
  offline = false;
  await page.waitForFunction(() => window.__gr.sent.length === 2 && window.__gr.queue.length === 0, null, { timeout: 30000 });
  result.offline = { id: await page.evaluate(() => window.__gr.sent[1].id) };
  result.queueAfter = await page.evaluate(() => window.__gr.queue.length);
  // A report whose answer is lost on the way back, after the service
  // stored it: kept, and on the next try sent again with the same
  // Idempotency-Key, which the service answers with the stored case.
  let cut = true;
  result.lostPosts = [];
  await page.route('**/api/cases', async (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    const key = await route.request().headerValue('idempotency-key');
    if (!cut) {
      const resp = await route.fetch();
      result.lostPosts.push({ key, status: resp.status() });
      return route.fulfill({ response: resp });
    }
    cut = false;
    const resp = await route.fetch();
    result.lostPosts.push({ key, status: resp.status(), lost: true });
    await route.abort('internetdisconnected');
  });
  offline = true; // the aborted request is logged as a network error
  await page.selectOption('#category', 'green_dirty');
  await page.fill('#note', '应答丢失：绿地脏乱');
  await page.tap('#submit');
  await page.waitForFunction(() => window.__gr.queue.length === 1 && document.querySelector('#retry'), null, { timeout: 20000 });
  result.lostQueued = await page.evaluate(() => window.__gr.queue.length);
  await page.tap('#retry');
  await page.waitForFunction(() => window.__gr.sent.length === 3 && window.__gr.queue.length === 0, null, { timeout: 20000 });
  offline = false;
  result.lost = await page.evaluate(() => window.__gr.sent[2]);
  await page.waitForFunction(() => (window.__gr.mine || []).length === 3 && window.__gr.mine.every(m => m.state), null, { timeout: 20000 });
  result.mine = await page.evaluate(() => window.__gr.mine);
  result.mineText = await page.locator('#mine li').allInnerTexts();
  result.statusAfter = await page.locator('#status').innerText();
  await idle();
  await page.screenshot({ path: `${outDir}/inspect-online-again.png`, fullPage: true });
  result.missing = await page.evaluate(() => [...GR.missing]);
  await ctx.close();

  // The same page in English: the page's words and the categories.
  const en = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'en-US', permissions: ['geolocation'], geolocation: { longitude: +lon, latitude: +lat, accuracy: 8 },
    storageState: { cookies: [], origins: [{ origin: base, localStorage: [{ name: 'gr_token', value: INSPECTOR_TOKEN }] }] },
  });
  const ep = await en.newPage();
  await ep.goto(base + '/inspect', { waitUntil: 'load' });
  await ep.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal) && window.__gr.mine, null, { timeout: 60000 });
  result.english = {
    lang: await ep.evaluate(() => document.documentElement.lang),
    category: await ep.locator('#category option[value=broken_branch]').innerText(),
    submit: await ep.locator('#submit').innerText(),
    missing: await ep.evaluate(() => [...GR.missing]),
  };
  await ep.screenshot({ path: `${outDir}/inspect-en.png`, fullPage: true });
  await en.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
