// The auditor's page: every rule for the city, its districts and
// communities with pass/fail colours, a chart of one rule by unit, the gap
// map, exports and a print layout.
'use strict';

(async () => {
  GR.tokenButton();
  const $ = (id) => document.getElementById(id);
  const state = window.__gr = { ready: false, audit: null };
  const pct = (m) => /share|÷/.test(m);
  const fmt = (v, m) => v == null ? '–' : pct(m) ? (v * 100).toFixed(1) + '%' : v.toLocaleString('en', { maximumFractionDigits: 1 });
  // A unit's figure: null is either nothing to measure or no target at all.
  const val = (x, m) => x.status === 'no_target' ? '∞ (no target)' : x.status === 'not_applicable' ? 'n/a' : fmt(x.value, m);
  const levelRank = { city: 0, district: 1, subdistrict: 2, community: 3 };

  async function run() {
    const mode = $('mode').value;
    for (const [id, f] of [['csv', 'csv'], ['geojson', 'geojson'], ['html', 'html']]) $(id).href = `api/audit?format=${f}&mode=${mode}`;
    const a = await GR.json(`api/audit?mode=${mode}`);
    state.audit = a;
    $('generated').textContent = `${new Date(a.generated).toLocaleString()} · ${mode === 'walk' ? 'walking distance' : 'straight line'}`;
    $('summary').textContent = `${a.parcels.toLocaleString('en')} residential parcels, ${a.residents.toLocaleString('en')} residents; walking network ${a.network}.`;
    // Units: rows in the order of the first rule reporting each, city first.
    const units = new Map();
    for (const r of a.results) for (const u of r.units) if (!units.has(u.unit_id)) units.set(u.unit_id, u);
    const level = $('level').value;
    const rows = [...units.values()].filter(u => level === 'all' || u.level === level || u.level === 'city')
      .sort((x, y) => (levelRank[x.level] ?? 9) - (levelRank[y.level] ?? 9) || x.unit.localeCompare(y.unit, 'zh'));
    const byRule = a.results.map(r => new Map(r.units.map(u => [u.unit_id, u])));
    let fails = 0, cells = 0;
    const head = `<thead><tr><th>Unit</th>${a.results.map(r => `<th title="${GR.esc(r.source)}">${GR.esc(r.title)}</th>`).join('')}</tr></thead>`;
    const body = rows.map(u => `<tr class="lvl-${u.level}"><th>${GR.esc(u.unit)} <small>${u.level}</small></th>` + a.results.map((r, i) => {
      const x = byRule[i].get(u.unit_id);
      if (!x) return '<td class="na">–</td>';
      cells++; if (!x.pass) fails++;
      return `<td class="${x.pass ? 'pass' : 'fail'}" title="threshold ${fmt(x.threshold, r.measure)}">${val(x, r.measure)}</td>`;
    }).join('') + '</tr>');
    $('table').innerHTML = head + '<tbody>' + body.join('') + '</tbody>';
    state.table = { rows: rows.length, cells, fails };
    $('rule').innerHTML = a.results.map(r => `<option value="${GR.esc(r.id)}">${GR.esc(r.title)}</option>`).join('');
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
    const t = r.units[0].threshold;
    const bars = us.map((u, i) => {
      const y = 10 + i * (bar + gap);
      return `<g><text x="${left - 6}" y="${y + bar - 5}" text-anchor="end">${GR.esc(u.unit)}</text>
        <rect class="${u.pass ? 'pass' : 'fail'}" x="${left}" y="${y}" width="${Math.max(0, x(u.value || 0) - left)}" height="${bar}"><title>${GR.esc(u.unit)}: ${fmt(u.value, r.measure)}</title></rect>
        <text x="${x(u.value || 0) + 4}" y="${y + bar - 5}">${fmt(u.value, r.measure)}</text></g>`;
    }).join('');
    const line = t ? `<line class="threshold" x1="${x(t)}" x2="${x(t)}" y1="4" y2="${H - 18}"/><text x="${x(t)}" y="${H - 4}" text-anchor="middle">threshold ${fmt(t, r.measure)}</text>` : '';
    $('chart').innerHTML = `<svg class="bars" viewBox="0 0 ${W} ${H}" width="100%" height="${H}" xmlns="http://www.w3.org/2000/svg">${bars}${line}</svg>`;
    $('chart').setAttribute('aria-label', `${r.title} by unit`);
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
      if (!r.ok) { alert(`Export failed: HTTP ${r.status}`); return; }
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
  document.getElementById('summary').innerHTML = `<span class="error">${String(err.message || err)}</span>`;
});
