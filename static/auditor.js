// The auditor's page: every rule for the city, its districts and
// communities with pass/fail colours, a chart of one rule by unit, the gap
// map, exports and a print layout.
'use strict';

(async () => {
  await GR.ready;
  const t = GR.t;
  GR.tokenButton();
  const $ = (id) => document.getElementById(id);
  const state = window.__gr = { ready: false, audit: null };
  const pct = (m) => /share|÷/.test(m);
  const fmt = (v, m) => v == null ? '–' : pct(m) ? (v * 100).toFixed(1) + '%' : GR.num(v, { maximumFractionDigits: 1 });
  // A unit's figure: null is either nothing to measure or no target at all.
  const val = (x, m) => x.status === 'no_target' ? t('aud.noTarget') : x.status === 'not_applicable' ? t('aud.na') : fmt(x.value, m);
  // network: the API's "N nodes, E edges, K km, C components" in the
  // reader's words.
  function network(s) {
    const m = /^(\d+) nodes, (\d+) edges, ([\d.]+) km, (\d+) components$/.exec(String(s || ''));
    return m ? t('aud.network', { nodes: GR.num(+m[1]), edges: GR.num(+m[2]), km: m[3], components: m[4] }) : String(s || '');
  }
  const levelRank = { city: 0, district: 1, subdistrict: 2, community: 3 };

  async function run() {
    const mode = $('mode').value;
    // The exports in the page's language, which its switch may have set apart from the browser's.
    for (const [id, f] of [['csv', 'csv'], ['geojson', 'geojson'], ['html', 'html']]) $(id).href = `api/audit?format=${f}&mode=${mode}&lang=${GR.lang}`;
    const a = await GR.json(`api/audit?mode=${mode}`);
    state.audit = a;
    $('generated').textContent = t('aud.generated', { date: GR.date(a.generated), mode: t(mode === 'walk' ? 'aud.byWalk' : 'aud.byLine') });
    $('summary').textContent = t('aud.summary', { parcels: GR.num(a.parcels), residents: GR.num(a.residents), network: network(a.network) });
    $('printed').textContent = t('aud.printed', { date: GR.date(new Date()) });
    // Units: rows in the order of the first rule reporting each, city first.
    const units = new Map();
    for (const r of a.results) for (const u of r.units) if (!units.has(u.unit_id)) units.set(u.unit_id, u);
    const level = $('level').value;
    const rows = [...units.values()].filter(u => level === 'all' || u.level === level || u.level === 'city')
      .sort((x, y) => (levelRank[x.level] ?? 9) - (levelRank[y.level] ?? 9) || x.unit.localeCompare(y.unit, 'zh'));
    const byRule = a.results.map(r => new Map(r.units.map(u => [u.unit_id, u])));
    let fails = 0, cells = 0;
    const head = `<thead><tr><th>${GR.esc(t('aud.unit'))}</th>${a.results.map(r => { const ru = GR.rule(r); return `<th title="${GR.esc(ru.desc + ' — ' + ru.source)}">${GR.esc(ru.title)}</th>`; }).join('')}</tr></thead>`;
    const body = rows.map(u => `<tr class="lvl-${u.level}"><th><span translate="no">${GR.esc(GR.unitName(u))}</span>${u.level === 'city' ? '' : ` <small>${GR.esc(GR.level(u.level))}</small>`}</th>` + a.results.map((r, i) => {
      const x = byRule[i].get(u.unit_id);
      if (!x) return '<td class="na">–</td>';
      cells++; if (!x.pass) fails++;
      return `<td class="${x.pass ? 'pass' : 'fail'}" title="${GR.esc(t('aud.threshold', { v: fmt(x.threshold, r.measure) }))}">${val(x, r.measure)}</td>`;
    }).join('') + '</tr>');
    $('table').innerHTML = head + '<tbody>' + body.join('') + '</tbody>';
    state.table = { rows: rows.length, cells, fails };
    const chosen = $('rule').value;
    $('rule').innerHTML = a.results.map(r => `<option value="${GR.esc(r.id)}">${GR.esc(GR.rule(r).title)}</option>`).join('');
    if (a.results.some(r => r.id === chosen)) $('rule').value = chosen;
    chart();
  }

  // chart draws the chosen rule's value per unit as bars, the threshold as
  // a line (SVG, no library).
  function chart() {
    const a = state.audit;
    const r = a.results.find(x => x.id === $('rule').value) || a.results[0];
    const level = $('level').value;
    const us = r.units.filter(u => level === 'all' ? u.level !== 'city' || r.units.length === 1 : u.level === level);
    const max = Math.max(r.units[0].threshold || 0, ...us.map(u => u.value || 0)) * 1.1 || 1;
    const W = 720, bar = 18, gap = 4, left = 170, H = us.length * (bar + gap) + 30;
    const x = (v) => left + (W - left - 60) * (v / max);
    const th = r.units[0].threshold;
    const bars = us.map((u, i) => {
      const y = 10 + i * (bar + gap);
      return `<g><text x="${left - 6}" y="${y + bar - 5}" text-anchor="end" translate="no">${GR.esc(GR.unitName(u))}</text>
        <rect class="${u.pass ? 'pass' : 'fail'}" x="${left}" y="${y}" width="${Math.max(0, x(u.value || 0) - left)}" height="${bar}"><title>${GR.esc(GR.unitName(u))}: ${fmt(u.value, r.measure)}</title></rect>
        <text x="${x(u.value || 0) + 4}" y="${y + bar - 5}">${fmt(u.value, r.measure)}</text></g>`;
    }).join('');
    const line = th ? `<line class="threshold" x1="${x(th)}" x2="${x(th)}" y1="4" y2="${H - 18}"/><text x="${x(th)}" y="${H - 4}" text-anchor="middle">${GR.esc(t('aud.threshold', { v: fmt(th, r.measure) }))}</text>` : '';
    $('chart').innerHTML = `<svg class="bars" viewBox="0 0 ${W} ${H}" width="100%" height="${H}" xmlns="http://www.w3.org/2000/svg">${bars}${line}</svg>`;
    const ru = GR.rule(r);
    $('chart').setAttribute('aria-label', t('aud.chartLabel', { rule: ru.title }));
    $('rule-desc').textContent = ru.desc;
    state.chart = { rule: r.id, bars: us.length };
  }

  $('mode').addEventListener('change', () => run().then(gaps));
  $('level').addEventListener('change', run);
  $('rule').addEventListener('change', chart);
  $('print').addEventListener('click', () => window.print());
  // Exports are fetched with the token (a plain link would not send it)
  // and handed to the browser as files.
  for (const [id, name] of [['csv', 'audit.csv'], ['geojson', 'audit.geojson'], ['html', 'audit.html']]) {
    $(id).addEventListener('click', async (e) => {
      e.preventDefault();
      const r = await fetch($(id).href, { headers: GR.auth() });
      state.exported = Object.assign(state.exported || {}, { [id]: r.status });
      $('export-status').textContent = '';
      if (!r.ok) {
        const err = GR.problem(r.status, await r.json().catch(() => ({})));
        $('export-status').innerHTML = GR.errorHTML(Object.assign(new Error(t('aud.exportFailed', { msg: err.message })), { detail: err.detail }));
        return;
      }
      const url = URL.createObjectURL(await r.blob());
      if (id === 'html') { window.open(url, '_blank'); return; }
      const a = Object.assign(document.createElement('a'), { href: url, download: name });
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
  }
  await run();

  // The gap map: uncovered parcels from the coverage tiles, belt gaps and
  // unit outlines from the audit's GeoJSON.
  let map = null;
  async function gaps() {
    if (!map) return;
    const fc = await GR.json(`api/audit?format=geojson&mode=${$('mode').value}`);
    fc.features = fc.features.filter(f => f.properties.kind !== 'failing_parcel');
    map.getSource('gaps').setData(fc);
    state.gaps = fc.features.filter(f => f.properties.kind === 'gap').length;
  }
  try {
    map = await GR.newMap('map', {
      map: { hash: false },
      sources: {
        coverage: { type: 'vector', url: GR.url('tiles/coverage.json') },
        gaps: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
      },
      layers: [
        { id: 'uncovered', type: 'fill', source: 'coverage', 'source-layer': 'coverage', filter: ['!=', ['get', 'covered'], true],
          paint: { 'fill-color': '#e53935', 'fill-opacity': 0.6 } },
        { id: 'covered', type: 'fill', source: 'coverage', 'source-layer': 'coverage', filter: ['==', ['get', 'covered'], true],
          paint: { 'fill-color': '#81c784', 'fill-opacity': 0.4 } },
        { id: 'gaps', type: 'line', source: 'gaps', filter: ['==', ['get', 'kind'], 'gap'], paint: { 'line-color': '#8e24aa', 'line-width': 4 } },
      ],
    });
    state.map = map;
    await new Promise(r => map.once('load', r));
    await gaps();
  } catch (err) {
    console.warn(err);
  }
  state.ready = true;
})().catch(err => {
  console.error(err);
  (window.__gr || {}).fatal = String(err.message || err);
  document.getElementById('summary').innerHTML = GR.errorHTML(err);
});
