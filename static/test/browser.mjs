// Shared by the browser tests: launch Debian's chromium with playwright-core
// (software WebGL), and helpers to wait for the map.
import { chromium } from 'playwright-core';

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--disable-dev-shm-usage'],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (opts) => {
    const ctx = await newContext(opts);
    const newPage = ctx.newPage.bind(ctx);
    ctx.newPage = async () => steadyShots(await newPage());
    return ctx;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (opts) => steadyShots(await newPage(opts));
  return browser;
}

// steadyShots makes page.screenshot try again when chromium answers
// "Unable to capture screenshot", which a busy machine's compositor
// sometimes does; any other failure stands.
function steadyShots(page) {
  if (page.__steadyShots) return page;
  page.__steadyShots = true;
  const shot = page.screenshot.bind(page);
  page.screenshot = async (opts) => {
    for (let i = 1; ; i++) {
      try {
        return await shot(opts);
      } catch (e) {
        if (i >= 3 || !/Unable to capture screenshot/.test(String(e && e.message))) throw e;
        await page.waitForTimeout(500 * i);
      }
    }
  };
  return page;
}

// page opens a page and fails on any page error or failed request of ours.
export async function open(browser, url, opts = {}) {
  const ctx = await browser.newContext(Object.assign({ viewport: { width: 1280, height: 800 } }, opts));
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('response', r => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.goto(url, { waitUntil: 'load' });
  return { page, ctx, problems };
}

// idle waits until the map has loaded its style and every visible tile.
export async function idle(page) {
  await page.waitForFunction(() => window.__gr && window.__gr.ready, null, { timeout: 60000 });
  await page.waitForFunction(() => {
    const m = window.__gr.map;
    return m.loaded() && m.areTilesLoaded() && !m.isMoving();
  }, null, { timeout: 60000, polling: 100 });
}

export function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
