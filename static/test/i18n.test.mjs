// Browser test of the pages' languages, run by static/i18n_browser_test.go:
//   node test/i18n.test.mjs BASE_URL PARK_NAME ARTIFACT_DIR
// (PLANNER_TOKEN and AUDITOR_TOKEN in the environment.) Each page in a
// zh-CN and an en-US browser, used as a person would (a park searched and
// nearest parks listed; a park drawn, suggestions asked, a scenario saved;
// the audit on screen and in print), with its own words counted after each
// step; the language switch and its persistence; the token dialog by
// keyboard; the header on a phone. Prints one JSON line for the Go test.
import { launch, open, check } from './browser.mjs';
import { pageWords } from './words.mjs';

const [base, parkName, outDir] = process.argv.slice(2);
const { PLANNER_TOKEN, AUDITOR_TOKEN } = process.env;
const storage = (items) => ({ storageState: { cookies: [], origins: [{ origin: base, localStorage: items }] } });
const withToken = (t) => storage([{ name: 'gr_token', value: t }]);
const result = { words: [], switch: {}, token: {}, phone: [], missing: [], problems: [], failed: {} };
const browser = await launch();

// section runs one part of the test; a failure is recorded by name and the
// other parts still run, so that one report shows everything wrong.
async function section(name, fn) {
  try {
    await fn();
  } catch (e) {
    result.failed[name] = String(e.message || e).split('\n')[0];
    for (const c of browser.contexts()) await c.close().catch(() => {});
  }
}

async function ready(page) {
  await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
  const fatal = await page.evaluate(() => window.__gr.fatal);
  check(!fatal, 'page failed: ' + fatal);
  await page.waitForFunction(() => { const m = window.__gr.map; return !m || (m.loaded() && m.areTilesLoaded()); }, null, { timeout: 60000, polling: 100 });
}

// measure records the page's own words at a step, and the keys it asked
// the catalogue for and did not find.
async function measure(page, locale, name, step) {
  const w = await page.evaluate(pageWords);
  const htmlLang = await page.evaluate(() => document.documentElement.lang);
  result.words.push({ locale, page: name, step, htmlLang, han: w.han, latin: w.latin, chinese: w.chinese, english: w.english,
    samples: locale.startsWith('zh') ? w.latinSamples.slice(0, 12) : w.hanSamples.slice(0, 12) });
  result.missing.push(...(await page.evaluate(() => (typeof GR !== 'undefined' && GR.missing ? [...GR.missing] : ['(no catalogue)']))).map(k => `${name}: ${k}`));
}

async function mapPage(locale) {
  const { page, ctx, problems } = await open(browser, base + '/', { locale });
  await ready(page);
  await measure(page, locale, 'map', 'loaded');
  await page.fill('#q', parkName);
  await page.waitForSelector('#results button[data-i]', { timeout: 10000 });
  await page.locator('#results button[data-i]').first().click();
  await page.waitForSelector('.maplibregl-popup .area');
  await ready(page);
  await measure(page, locale, 'map', 'park shown');
  await page.screenshot({ path: `${outDir}/i18n-map-${locale}.png` });
  // Off any park: the nearest parks by walking.
  await page.evaluate(() => window.__gr.map.zoomTo(15, { duration: 0 }));
  await ready(page);
  const off = await page.evaluate(() => {
    const m = window.__gr.map, c = m.getCanvas(), r = c.getBoundingClientRect();
    for (let i = 0; i < 400; i++) {
      const x = c.clientWidth * (0.3 + 0.4 * ((i * 37) % 100) / 100), y = c.clientHeight * (0.3 + 0.4 * ((i * 61) % 100) / 100);
      if (m.queryRenderedFeatures([x, y], { layers: ['green'] }).length === 0) return [r.left + x, r.top + y];
    }
    return null;
  });
  check(off, 'no spot off the parks');
  await page.evaluate(() => { window.__gr.nearest = null; document.querySelector('.maplibregl-popup')?.remove(); });
  await page.mouse.click(off[0], off[1]);
  await page.waitForFunction(() => window.__gr.nearest, null, { timeout: 20000 });
  await page.waitForSelector('#panel .list');
  await measure(page, locale, 'map', 'nearest listed');
  result.problems.push(...problems);
  await ctx.close();
}

async function plannerPage(locale) {
  const { page, ctx, problems } = await open(browser, base + '/planner', Object.assign({ locale }, withToken(PLANNER_TOKEN)));
  await ready(page);
  await measure(page, locale, 'planner', 'loaded');
  await page.evaluate(() => { const m = window.__gr.map; m.jumpTo({ center: m.getCenter(), zoom: 16 }); });
  await ready(page);
  const box = await page.locator('#map canvas').boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2, h = 60;
  await page.click('#draw-park');
  for (const [x, y] of [[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h], [cx - h, cy - h]]) {
    await page.mouse.move(x, y, { steps: 4 });
    await page.mouse.click(x, y);
    await page.waitForTimeout(150);
  }
  await page.waitForSelector('#delta tbody tr', { timeout: 30000 });
  await page.click('#suggest button[type=submit]');
  await page.waitForFunction(() => window.__gr.suggested, null, { timeout: 60000 });
  await page.fill('#scenario-name', locale + ' 东区新公园');
  await page.click('#save button[type=submit]');
  await page.waitForFunction(() => window.__gr.saved, null, { timeout: 10000 });
  await page.waitForSelector('#scenarios li button.load');
  await ready(page);
  await measure(page, locale, 'planner', 'drawn, suggested, saved');
  await page.screenshot({ path: `${outDir}/i18n-planner-${locale}.png` });
  result.problems.push(...problems);
  await ctx.close();
}

async function auditorPage(locale) {
  const { page, ctx, problems } = await open(browser, base + '/auditor', Object.assign({ locale }, withToken(AUDITOR_TOKEN)));
  await ready(page);
  await measure(page, locale, 'auditor', 'loaded');
  await page.screenshot({ path: `${outDir}/i18n-auditor-${locale}.png`, fullPage: true });
  await page.emulateMedia({ media: 'print' });
  await measure(page, locale, 'auditor', 'print');
  await page.pdf({ path: `${outDir}/i18n-auditor-print-${locale}.pdf` }).catch(() => {});
  result.problems.push(...problems);
  await ctx.close();
  // Without a token: the error the API sends, in the reader's language.
  const anon = await open(browser, base + '/auditor', { locale });
  await anon.page.waitForFunction(() => window.__gr && window.__gr.fatal, null, { timeout: 30000 });
  await measure(anon.page, locale, 'auditor', 'no token (401)');
  result.anonymous = Object.assign(result.anonymous || {}, { [locale]: await anon.page.evaluate(() => ({
    message: document.querySelector('#summary .error')?.textContent, detail: document.querySelector('#summary .api-detail')?.textContent })) });
  await anon.ctx.close();
}

try {
  for (const locale of ['zh-CN', 'en-US']) {
    await section(`map ${locale}`, () => mapPage(locale));
    await section(`planner ${locale}`, () => plannerPage(locale));
    await section(`auditor ${locale}`, () => auditorPage(locale));
  }

  // The switch: a Chinese reader picks English; it holds across a reload
  // and in a new tab, and 中文 switches back.
  await section('switch', async () => {
    const { page, ctx } = await open(browser, base + '/', { locale: 'zh-CN' });
    await ready(page);
    const sw = result.switch;
    sw.before = await page.evaluate(() => document.documentElement.lang);
    sw.pressedBefore = await page.locator('.lang button[aria-pressed=true]').getAttribute('data-lang');
    await Promise.all([page.waitForEvent('load'), page.click('.lang button[data-lang=en]')]);
    await ready(page);
    sw.afterClick = await page.evaluate(() => ({ lang: document.documentElement.lang, hint: document.querySelector('#panel-body .hint').textContent, stored: localStorage.getItem('gr_lang') }));
    await page.reload({ waitUntil: 'load' });
    await ready(page);
    sw.afterReload = await page.evaluate(() => ({ lang: document.documentElement.lang, hint: document.querySelector('#panel-body .hint').textContent }));
    const other = await ctx.newPage();
    await other.goto(base + '/auditor', { waitUntil: 'load' });
    await other.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
    sw.otherPage = await other.evaluate(() => ({ lang: document.documentElement.lang, heading: document.querySelector('h1 span').textContent }));
    await Promise.all([page.waitForEvent('load'), page.click('.lang button[data-lang=zh-CN]')]);
    await ready(page);
    sw.back = await page.evaluate(() => ({ lang: document.documentElement.lang, hint: document.querySelector('#panel-body .hint').textContent }));
    await ctx.close();
  });

  // The planner's drawing survives a switch of language.
  await section('switch in the planner', async () => {
    const { page, ctx } = await open(browser, base + '/planner', Object.assign({ locale: 'en-US' }, withToken(PLANNER_TOKEN)));
    await ready(page);
    await page.evaluate(() => { const m = window.__gr.map; m.jumpTo({ center: m.getCenter(), zoom: 16 }); });
    await ready(page);
    const box = await page.locator('#map canvas').boundingBox();
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2, h = 50;
    await page.click('#draw-park');
    for (const [x, y] of [[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h], [cx - h, cy - h]]) {
      await page.mouse.move(x, y, { steps: 4 });
      await page.mouse.click(x, y);
      await page.waitForTimeout(150);
    }
    await page.waitForFunction(() => window.__gr.delta, null, { timeout: 30000 });
    const before = await page.evaluate(() => window.__gr.delta.rules.map(r => r.city.after.value));
    await Promise.all([page.waitForEvent('load'), page.click('.lang button[data-lang=zh-CN]')]);
    await ready(page);
    await page.waitForFunction(() => window.__gr.delta, null, { timeout: 30000 });
    result.switch.planner = {
      lang: await page.evaluate(() => document.documentElement.lang),
      drawn: await page.evaluate(() => window.__gr.draw.getSnapshot().length),
      same: JSON.stringify(before) === JSON.stringify(await page.evaluate(() => window.__gr.delta.rules.map(r => r.city.after.value))),
      heading: await page.locator('#delta thead th').first().textContent(),
    };
    await ctx.close();
  });

  // The token dialog, by keyboard only: open it from the key button, type
  // the token, Enter; Escape cancels; sign out clears it.
  await section('token dialog', async () => {
    const { page, ctx } = await open(browser, base + '/planner', { locale: 'zh-CN' });
    await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
    const tk = result.token;
    tk.fatalWithout = await page.evaluate(() => window.__gr.fatal || '');
    tk.iconSVG = await page.locator('.nav button.token svg').count();
    tk.labelBefore = await page.locator('.nav button.token').innerText();
    await page.focus('.nav button.token');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog.token-dialog[open]');
    tk.dialog = await page.evaluate(() => {
      const d = document.querySelector('dialog.token-dialog'), i = d.querySelector('input');
      return { type: i.type, focused: document.activeElement === i, label: d.querySelector('label[for=token-input]').textContent, heading: d.querySelector('h2').textContent,
        buttons: [...d.querySelectorAll('button')].map(b => b.textContent), usedPrompt: false };
    });
    await page.screenshot({ path: `${outDir}/i18n-token-dialog-zh-CN.png` });
    await page.keyboard.press('Escape');
    // Closed and at once opened again: the first close's late event must
    // not wipe what is typed in the second.
    tk.reopenKeeps = await page.evaluate(async () => {
      const d = document.querySelector('dialog.token-dialog'), b = document.querySelector('.nav button.token'), i = d.querySelector('input');
      b.click(); d.close(); b.click(); i.value = 'typed';
      await new Promise(r => setTimeout(r, 100));
      const v = i.value;
      d.close();
      await new Promise(r => setTimeout(r, 100));
      return v;
    });
    tk.afterEscape = await page.evaluate(() => ({ open: document.querySelector('dialog.token-dialog').open, token: localStorage.getItem('gr_token') }));
    await page.focus('.nav button.token');
    await page.keyboard.press('Enter');
    await page.keyboard.type(PLANNER_TOKEN);
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await ready(page);
    tk.afterSave = await page.evaluate(() => ({ token: localStorage.getItem('gr_token'), label: document.querySelector('.nav button.token').innerText, scenarios: Array.isArray(window.__gr.scenarios) }));
    await page.click('.nav button.token');
    await page.waitForSelector('dialog.token-dialog[open]');
    await Promise.all([page.waitForEvent('load'), page.click('dialog.token-dialog button[value=clear]')]);
    await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
    tk.afterSignOut = await page.evaluate(() => ({ token: localStorage.getItem('gr_token'), label: document.querySelector('.nav button.token').innerText }));
    await ctx.close();
  });

  // A phone: the header's links, key button and switch are on screen and
  // nothing covers them.
  for (const [path, locale] of [['/', 'zh-CN'], ['/planner', 'zh-CN'], ['/auditor', 'en-US']]) await section(`phone ${path}`, async () => {
    const { page, ctx } = await open(browser, base + path, Object.assign({ locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, withToken(AUDITOR_TOKEN)));
    await page.waitForFunction(() => window.__gr && (window.__gr.ready || window.__gr.fatal), null, { timeout: 60000 });
    const items = await page.evaluate(() => [...document.querySelectorAll('.nav a, .nav button.token, .lang button')].map(el => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return { what: el.getAttribute('href') || el.className || el.dataset.lang, x: r.left, y: r.top, w: r.width, h: r.height,
        onScreen: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight,
        reachable: !!hit && (hit === el || el.contains(hit)) };
    }));
    result.phone.push({ path, items });
    await page.screenshot({ path: `${outDir}/i18n-phone${path === '/' ? '-map' : path.replace('/', '-')}-${locale}.png` });
    await ctx.close();
  });
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
