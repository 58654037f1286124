// Opens `greenreach audit --format html` reports in chromium, as a reader
// in a zh-CN and one in an en-US browser would, and measures each page's
// own words as the pages' tests do (static/test/words.mjs: names from the
// data, marked translate="no", left out). Prints one JSON line; writes a
// screenshot of each to the artifacts directory.
//   node report.test.mjs ZH_REPORT EN_REPORT ARTIFACT_DIR
import { pathToFileURL } from 'node:url';
import { launch } from '../../../static/test/browser.mjs';
import { pageWords } from '../../../static/test/words.mjs';

const [zhFile, enFile, dir] = process.argv.slice(2);
const browser = await launch();
const out = { reports: [] };
try {
  for (const [locale, file] of [['zh-CN', zhFile], ['en-US', enFile]]) {
    const ctx = await browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
    const page = await ctx.newPage();
    const problems = [];
    page.on('pageerror', e => problems.push(`page error: ${e.message}`));
    page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('request', r => { if (!r.url().startsWith('file:')) problems.push(`request to ${r.url()}`); });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const words = await page.evaluate(`(${pageWords.toString()})()`);
    const info = await page.evaluate(() => ({
      title: document.title,
      heading: document.querySelector('h1').textContent,
      tables: document.querySelectorAll('table').length,
      map: !!document.querySelector('figure svg path'),
      firstRow: [...document.querySelector('tbody tr').cells].map(c => c.textContent),
    }));
    const name = `report-${locale}.png`;
    await page.screenshot({ path: `${dir}/${name}`, fullPage: true });
    out.reports.push({ locale, words, info, problems, screenshot: name });
    await ctx.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
