// Browser test of the inspection page opened without network, run by
// static/inspect_offline_browser_test.go:
//   node test/inspect-offline.test.mjs BASE_URL LON LAT JPEG CONTROL_URL ARTIFACT_DIR
// A phone at the mocked position (LON, LAT) opens BASE_URL/inspect once
// with network, goes offline and reloads it: the page must open, in
// Chinese, say the map is unavailable and keep a report with JPEG in
// IndexedDB; back online it sends it. Then the service is "released"
// anew (POST CONTROL_URL/release) and the page's worker must replace its
// shell; a release whose shell cannot be kept (CONTROL_URL/release-nostore:
// one file answered no-store) must leave the shell as it was. Prints one
// JSON line for the Go test to check.
import { launch } from './browser.mjs';

const [base, lon, lat, jpeg, control, outDir] = process.argv.slice(2);
const { INSPECTOR_TOKEN } = process.env;
const result = { problems: [] };
const browser = await launch();

// shellState: this origin's caches and what each holds, in the page.
const shellState = (page) => page.evaluate(async () => {
  const out = {};
  for (const k of await caches.keys()) out[k] = (await (await caches.open(k)).keys()).map(r => r.url).sort();
  return out;
});
const idbQueue = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const r = indexedDB.open('greenreach-inspect');
  r.onsuccess = () => {
    const g = r.result.transaction('queue').objectStore('queue').getAll();
    g.onsuccess = () => resolve(g.result.map(q => ({ data: q.data, photoBytes: q.photo ? q.photo.size : 0 })));
    g.onerror = () => reject(g.error);
  };
  r.onerror = () => reject(r.error);
}));
// nextWorker: after a navigation, what became of the worker the browser
// found new: 'activated' (it is in charge, its cache not one of old), or
// 'redundant' (its install failed); it asks for an update check itself in
// case the navigation's has not begun.
const nextWorker = (page, old) => page.evaluate(async (old) => {
  const reg = await navigator.serviceWorker.getRegistration();
  const seen = new Set();
  const watch = (w) => { if (w) seen.add(w); };
  reg.addEventListener('updatefound', () => watch(reg.installing));
  watch(reg.installing);
  watch(reg.waiting);
  const newCache = async () => (await caches.keys()).some(k => !old.includes(k));
  if (!seen.size && !(await newCache())) {
    await reg.update().catch(() => {});
    watch(reg.installing);
  }
  for (let i = 0; i < 300; i++) {
    const settled = !reg.installing && !reg.waiting;
    if (settled && reg.active && reg.active.state === 'activated' && await newCache()) return 'activated';
    if (settled && seen.size && [...seen].every(w => w.state === 'redundant')) return 'redundant';
    await new Promise(r => setTimeout(r, 100));
  }
  return 'timeout';
}, old);

try {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', permissions: ['geolocation'], geolocation: { longitude: +lon, latitude: +lat, accuracy: 8 },
    storageState: { cookies: [], origins: [{ origin: new URL(base).origin, localStorage: [{ name: 'gr_token', value: INSPECTOR_TOKEN }] }] },
  });
  const page = await ctx.newPage();
  let offline = false;
  page.on('pageerror', e => result.problems.push(`page error: ${e.message}`));
  // Offline, the browser logs every request it could not make: expected.
  page.on('console', m => { if (m.type() === 'error' && !(offline && /ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(m.text()))) result.problems.push(`console: ${m.text()}`); });
  page.on('response', r => { if (r.status() >= 400) result.problems.push(`HTTP ${r.status()} ${r.url()}`); });
  const ready = () => page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });

  // Online, once: the page registers its worker, which keeps the shell.
  await page.goto(base + '/inspect', { waitUntil: 'load' });
  await ready();
  result.shellOnline = await page.waitForFunction(() => window.__gr.offlineShell === 'activated', null, { timeout: 30000 })
    .then(() => 'activated', () => page.evaluate(() => String(window.__gr.offlineShell)));
  await page.waitForFunction(() => window.__gr.located, null, { timeout: 20000 });
  result.first = await shellState(page);
  // The worker's scope is this page: the others stay the network's.
  result.scope = await page.evaluate(() => navigator.serviceWorker.getRegistration().then(r => r && r.scope));
  const other = await ctx.newPage();
  await other.goto(base + '/cases', { waitUntil: 'load' });
  result.otherPage = await other.evaluate(async () => ({
    controlled: !!navigator.serviceWorker.controller,
    registration: !!(await navigator.serviceWorker.getRegistration()),
  }));
  await other.close();

  // Offline: the page is opened again.
  offline = true;
  await ctx.setOffline(true);
  try {
    await page.reload({ waitUntil: 'load', timeout: 30000 });
  } catch (e) {
    result.offlineLoad = String(e.message).split('\n')[0];
  }
  await page.screenshot({ path: `${outDir}/inspect-opened-offline.png`, fullPage: true });
  if (!result.offlineLoad) {
    await ready();
    result.fatal = await page.evaluate(() => window.__gr.fatal || '');
    await page.waitForFunction(() => window.__gr.located && window.__gr.mapOffline, null, { timeout: 20000 });
    result.opened = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      submit: document.getElementById('submit').innerText,
      mapOffline: document.getElementById('map-offline').hidden ? '' : document.getElementById('map-offline').innerText,
      mapShown: !document.getElementById('map').hidden,
      controlled: !!navigator.serviceWorker.controller,
      noOffline: !document.getElementById('no-offline').hidden,
      point: window.__gr.point,
      categories: document.querySelectorAll('#category option[value]:not([value=""])').length,
    }));
    // The API is the network's, even for what the page read a minute ago
    // (past the browser's HTTP cache, which may keep public answers).
    result.apiOffline = await page.evaluate(() => fetch(GR.url('api/cases/categories?lang=zh-CN'), { cache: 'no-store' }).then(r => `HTTP ${r.status}`, e => `refused: ${e.name}`));

    await page.selectOption('#category', 'broken_branch');
    await page.setInputFiles('#photo', jpeg);
    await page.waitForSelector('#preview:not([hidden])');
    await page.fill('#note', '离线打开后上报：断枝');
    await page.tap('#submit');
    await page.waitForSelector('#queue:not([hidden]) strong', { timeout: 10000 });
    result.queued = await idbQueue(page);
    result.queueText = await page.locator('#queue').innerText();
    await page.screenshot({ path: `${outDir}/inspect-offline-report.png`, fullPage: true });

    // Back online: sent by itself; the map comes back.
    await ctx.setOffline(false);
    offline = false;
    await page.waitForFunction(() => window.__gr.sent.length === 1 && window.__gr.queue.length === 0, null, { timeout: 30000 });
    result.sent = await page.evaluate(() => window.__gr.sent[0]);
    await page.waitForFunction(() => window.__gr.map && !window.__gr.mapOffline && window.__gr.map.loaded(), null, { timeout: 60000 });
    result.mapBack = true;
    result.afterSend = await shellState(page);

    // A new release: the next visit finds a new worker, which keeps the
    // new shell and deletes the old; offline the new page opens.
    check((await fetch(control + '/release', { method: 'POST' })).ok, 'release');
    await page.reload({ waitUntil: 'load' });
    result.release = { worker: await nextWorker(page, Object.keys(result.afterSend)) };
    result.release.shell = await shellState(page);
    offline = true;
    await ctx.setOffline(true);
    await page.reload({ waitUntil: 'load' });
    await ready();
    result.release.marker = await page.evaluate(() => (document.querySelector('meta[name=gr-release]') || {}).content || '');
    await ctx.setOffline(false);
    offline = false;

    // A release whose shell cannot be kept (a file answered no-store):
    // its worker is not installed, the shell in place stays whole.
    check((await fetch(control + '/release-nostore', { method: 'POST' })).ok, 'release-nostore');
    await page.reload({ waitUntil: 'load' });
    result.noStore = { worker: await nextWorker(page, Object.keys(result.release.shell)) };
    result.noStore.shell = await shellState(page);
    offline = true;
    await ctx.setOffline(true);
    await page.reload({ waitUntil: 'load' });
    await ready();
    result.noStore.marker = await page.evaluate(() => (document.querySelector('meta[name=gr-release]') || {}).content || '');
    result.missing = await page.evaluate(() => [...GR.missing]);
  }
  await ctx.close();

  // A browser without service workers (as on plain http): the page says
  // it will not open offline.
  const bare = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN',
    storageState: { cookies: [], origins: [{ origin: new URL(base).origin, localStorage: [{ name: 'gr_token', value: INSPECTOR_TOKEN }] }] },
  });
  await bare.addInitScript(() => { delete Navigator.prototype.serviceWorker; });
  const bp = await bare.newPage();
  await bp.goto(base + '/inspect', { waitUntil: 'load' });
  await bp.waitForFunction(() => window.__gr && window.__gr.offlineShell, null, { timeout: 30000 }).catch(() => {});
  result.noWorker = await bp.evaluate(() => ({
    state: String((window.__gr || {}).offlineShell),
    text: (el => (el && !el.hidden ? el.innerText : ''))(document.getElementById('no-offline')),
  }));
  await bare.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
