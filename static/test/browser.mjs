// Shared by the browser tests: launch Debian's chromium with playwright-core
// (software WebGL), and helpers to wait for the map.
import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--disable-dev-shm-usage'],
  });
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
