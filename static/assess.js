// The monthly 百分制 assessment on the auditor's page: a month picker, the
// units' and streets' ranks (GET /api/assessment), a bar chart of the
// units' scores (SVG) and a map of the responsibility zones coloured by
// their unit's score (the zones layer is staff's: read with the token);
// below, the year's assessment (年终考核: each unit's months and their
// mean, GET /api/assessment?year=) on request.
'use strict';

(async () => {
  await GR.ready;
  const t = GR.t;
  const $ = (id) => document.getElementById(id);
  const state = window.__asm = { ready: false, month: null, units: 0, streets: 0, bars: 0, zones: 0, coloured: 0 };
  // Bands of a score: the chart's colours and the map's legend.
  const band = (s) => s >= 90 ? 'good' : s >= 80 ? 'mid' : 'bad';
  const colours = { good: '#1a9850', mid: '#fdae61', bad: '#d73027' };
  const pts = (v) => GR.num(v, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const change = (v) => v == null ? t('asm.new') : (v > 0 ? '+' : v < 0 ? '−' : '±') + pts(Math.abs(v));
  const changeClass = (v) => v == null || v === 0 ? '' : v > 0 ? 'up' : 'down';
  const data = (s) => GR.dataHTML(s);
  const unitLabel = (u) => u.name ? `${u.name}（${u.unit}）` : u.unit;

  // The month asked for: the last complete month in Beijing time, unless
  // the page's URL names one (?month=YYYY-MM).
  const bj = new Date(Date.now() + 8 * 3600e3);
  const ym = (y, m) => `${y}-${String(m).padStart(2, '0')}`;
  const thisMonth = ym(bj.getUTCFullYear(), bj.getUTCMonth() + 1);
  const last = new Date(Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth() - 1, 1));
  const asked = new URLSearchParams(location.search).get('month');
  $('asm-month').max = thisMonth;
  $('asm-month').value = /^\d{4}-\d{2}$/.test(asked || '') ? asked : ym(last.getUTCFullYear(), last.getUTCMonth() + 1);

  let report = null;
  async function load() {
    const month = $('asm-month').value;
    if (!month) return;
    for (const [id, f] of [['asm-csv', 'csv'], ['asm-html', 'html']]) $(id).href = `api/assessment?month=${month}&format=${f}&lang=${GR.lang}`;
    $('asm-status').textContent = '';
    try {
      report = await GR.json(`api/assessment?month=${month}`);
    } catch (err) {
      report = null;
      $('asm-summary').innerHTML = GR.errorHTML(err);
      for (const id of ['asm-units', 'asm-streets', 'asm-chart']) $(id).innerHTML = '';
      state.error = err.status || String(err.message);
      return;
    }
    state.month = report.month;
    const n = report.units.reduce((a, u) => a + u.cases, 0);
    const mean = report.units.length ? report.units.reduce((a, u) => a + u.score, 0) / report.units.length : 100;
    $('asm-summary').textContent = t('asm.summary', { month: report.month, units: GR.num(report.units.length), cases: GR.num(n), mean: pts(mean) }) +
      (report.complete ? '' : ' ' + t('asm.incomplete'));
    units();
    streets();
    chart();
    colour();
  }

  function units() {
    const head = ['asm.rank', 'asm.unit', 'asm.street', 'asm.score', 'asm.change', 'asm.cases', 'asm.overdue', 'asm.reopened']
      .map((k, i) => `<th${i === 0 || i > 2 ? ' class="num"' : ''}>${GR.esc(t(k))}</th>`).join('');
    const rows = report.units.map(u => `<tr data-unit="${GR.esc(u.unit)}"><td class="num">${u.rank}</td><td>${data(unitLabel(u))}</td><td>${data(u.street)}</td>` +
      `<td class="num">${pts(u.score)}</td><td class="num ${changeClass(u.change)}">${GR.esc(change(u.change))}</td>` +
      `<td class="num">${GR.num(u.cases)}</td><td class="num">${GR.num(u.overdue)}</td><td class="num">${GR.num(u.reopened)}</td></tr>`);
    $('asm-units').innerHTML = `<thead><tr>${head}</tr></thead><tbody>${rows.join('') || `<tr><td colspan="8">${GR.esc(t('asm.none'))}</td></tr>`}</tbody>`;
    state.units = report.units.length;
  }

  function streets() {
    const head = ['asm.rank', 'asm.street', 'asm.score', 'asm.change', 'asm.unitCount', 'asm.cases']
      .map((k, i) => `<th${i !== 1 ? ' class="num"' : ''}>${GR.esc(t(k))}</th>`).join('');
    const rows = report.streets.map(s => `<tr><td class="num">${s.rank}</td><td>${data(s.street)}</td><td class="num">${pts(s.score)}</td>` +
      `<td class="num ${changeClass(s.change)}">${GR.esc(change(s.change))}</td><td class="num">${GR.num(s.units)}</td><td class="num">${GR.num(s.cases)}</td></tr>`);
    $('asm-streets').innerHTML = `<thead><tr>${head}</tr></thead><tbody>${rows.join('') || `<tr><td colspan="6">${GR.esc(t('asm.none'))}</td></tr>`}</tbody>`;
    state.streets = report.streets.length;
  }

  // chart: each unit's score as a bar on a 0–100 scale, in rank order,
  // coloured by its band.
  function chart() {
    const us = report.units;
    const W = 720, bar = 16, gap = 4, left = 230, right = 50, H = us.length * (bar + gap) + 24;
    const x = (v) => left + (W - left - right) * Math.max(0, Math.min(100, v)) / 100;
    const bars = us.map((u, i) => {
      const y = 6 + i * (bar + gap);
      const label = GR.esc(unitLabel(u));
      return `<g><text x="${left - 6}" y="${y + bar - 4}" text-anchor="end" translate="no">${label}</text>
        <rect class="s-${band(u.score)}" x="${left}" y="${y}" width="${(x(u.score) - left).toFixed(1)}" height="${bar}"><title>${label}: ${pts(u.score)}</title></rect>
        <text x="${x(u.score) + 4}" y="${y + bar - 4}">${pts(u.score)}</text></g>`;
    }).join('');
    const axis = [0, 60, 80, 90, 100].map(v => `<line class="threshold" x1="${x(v)}" x2="${x(v)}" y1="2" y2="${H - 18}"/><text x="${x(v)}" y="${H - 4}" text-anchor="middle">${v}</text>`).join('');
    $('asm-chart').innerHTML = us.length ? `<svg class="bars" viewBox="0 0 ${W} ${H}" width="100%" height="${H}" xmlns="http://www.w3.org/2000/svg">${axis}${bars}</svg>` : '';
    $('asm-chart').setAttribute('aria-label', t('asm.chartLabel', { month: report.month }));
    state.bars = us.length;
  }

  // The map: zones from the zones layer, each with its unit's score.
  let map = null, zones = null;
  function colour() {
    if (!map || !zones || !report) return;
    const score = new Map(report.units.map(u => [u.unit, u.score]));
    let coloured = 0;
    for (const f of zones.features) {
      const s = score.get(f.properties.unit);
      if (s == null) delete f.properties.score;
      else { f.properties.score = s; coloured++; }
    }
    map.getSource('asm-zones').setData(zones);
    state.zones = zones.features.length;
    state.coloured = coloured;
  }
  // readZones reads every zone, page by page (at most 20 pages).
  async function readZones() {
    const fc = { type: 'FeatureCollection', features: [] };
    let next = 'collections/zones/items?limit=10000';
    for (let i = 0; next && i < 20; i++) {
      const page = await GR.json(next, { headers: { Accept: 'application/geo+json' } });
      fc.features.push(...page.features);
      const link = (page.links || []).find(l => l.rel === 'next');
      next = link ? link.href : null;
    }
    return fc;
  }
  function legend() {
    $('asm-legend').innerHTML = [['good', 'asm.legendGood'], ['mid', 'asm.legendMid'], ['bad', 'asm.legendBad'], [null, 'asm.legendNone']]
      .map(([b, k]) => `<span class="swatch" style="background:${b ? colours[b] : '#bdbdbd'}"></span>${GR.esc(t(k))}`).join('');
  }

  $('asm-month').addEventListener('change', load);

  // ---- The year (年终考核): each unit's months and their mean, asked for
  // with the button (a year reads twelve months of cases) ----
  const askedYear = new URLSearchParams(location.search).get('year');
  $('asm-year').max = String(bj.getUTCFullYear());
  $('asm-year').value = /^\d{4}$/.test(askedYear || '') ? askedYear : $('asm-month').value.slice(0, 4);
  function yearLinks() {
    for (const [id, f] of [['asm-year-csv', 'csv'], ['asm-year-html', 'html']]) $(id).href = `api/assessment?year=${$('asm-year').value}&format=${f}&lang=${GR.lang}`;
  }
  async function loadYear() {
    const year = $('asm-year').value;
    if (!/^\d{4}$/.test(year)) return;
    yearLinks();
    $('asm-year-summary').textContent = t('asm.yearLoading');
    let rep;
    try {
      rep = await GR.json(`api/assessment?year=${year}`);
    } catch (err) {
      $('asm-year-summary').innerHTML = GR.errorHTML(err);
      $('asm-year-units').innerHTML = '';
      state.yearError = err.status || String(err.message);
      return;
    }
    $('asm-year-summary').textContent = t('asm.yearSummary', { year: rep.year, units: GR.num(rep.units.length), months: rep.months });
    const head = ['asm.rank', 'asm.unit', 'asm.street', 'asm.yearScore', 'asm.yearMonths'].map((k, i) => `<th${i === 0 || i > 2 ? ' class="num"' : ''}>${GR.esc(t(k))}</th>`).join('') +
      Array.from({ length: 12 }, (_, i) => `<th class="num">${GR.esc(t('asm.monthCol', { m: i + 1 }))}</th>`).join('');
    const rows = rep.units.map(u => `<tr data-unit="${GR.esc(u.unit)}"><td class="num">${u.rank}</td><td>${data(unitLabel(u))}</td><td>${data(u.street)}</td>` +
      `<td class="num"><strong>${pts(u.score)}</strong></td><td class="num">${u.months}</td>` +
      u.by_month.map(p => `<td class="num">${p == null ? '–' : pts(p)}</td>`).join('') + '</tr>');
    $('asm-year-units').innerHTML = `<thead><tr>${head}</tr></thead><tbody>${rows.join('') || `<tr><td colspan="17">${GR.esc(t('asm.none'))}</td></tr>`}</tbody>`;
    state.year = rep.year;
    state.yearUnits = rep.units.length;
  }
  yearLinks();
  $('asm-year').addEventListener('change', yearLinks);
  $('asm-year-show').addEventListener('click', () => loadYear());
  if (askedYear) loadYear();

  // Exports are fetched with the token and handed to the browser as files.
  for (const id of ['asm-csv', 'asm-html', 'asm-year-csv', 'asm-year-html']) {
    $(id).addEventListener('click', async (e) => {
      e.preventDefault();
      const r = await fetch($(id).href, { headers: GR.auth() });
      state.exported = Object.assign(state.exported || {}, { [id]: r.status });
      if (!r.ok) {
        const err = GR.problem(r.status, await r.json().catch(() => ({})));
        $('asm-status').innerHTML = GR.errorHTML(Object.assign(new Error(t('aud.exportFailed', { msg: err.message })), { detail: err.detail }));
        return;
      }
      const url = URL.createObjectURL(await r.blob());
      if (id.endsWith('-html')) { window.open(url, '_blank'); return; }
      const a = Object.assign(document.createElement('a'), { href: url, download: `assessment-${id === 'asm-year-csv' ? $('asm-year').value : $('asm-month').value}.csv` });
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
  }
  legend();
  await load();
  if (report) {
    try {
      zones = await readZones();
      map = await GR.newMap('asm-map', {
        map: { hash: false },
        sources: { 'asm-zones': { type: 'geojson', data: { type: 'FeatureCollection', features: [] } } },
        layers: [
          { id: 'asm-zones', type: 'fill', source: 'asm-zones', paint: {
            'fill-color': ['case', ['has', 'score'], ['interpolate', ['linear'], ['get', 'score'], 60, colours.bad, 80, colours.mid, 90, '#a6d96a', 100, colours.good], '#bdbdbd'],
            'fill-opacity': 0.7 } },
          { id: 'asm-zones-line', type: 'line', source: 'asm-zones', paint: { 'line-color': '#555', 'line-width': 1 } },
        ],
      });
      state.map = map;
      await new Promise(r => map.once('load', r));
      colour();
    } catch (err) {
      console.warn(err);
      state.mapError = String(err.message || err);
    }
  }
  state.ready = true;
})().catch(err => {
  console.error(err);
  (window.__asm || {}).fatal = String(err.message || err);
  document.getElementById('asm-summary').innerHTML = GR.errorHTML(err);
});
