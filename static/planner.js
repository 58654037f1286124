// The planner's page: draw parks and green belts, see every rule before
// and after at once (POST /api/whatif), save and compare scenarios
// (/api/scenarios, with If-Match), and ask where a new park would help most
// (/api/suggest).
'use strict';

(async () => {
  await GR.ready;
  const t = GR.t;
  GR.tokenButton();
  const $ = (id) => document.getElementById(id);
  const state = window.__gr = { ready: false, delta: null, saved: null, scenarios: [], requests: 0, errors: [] };
  const empty = { type: 'FeatureCollection', features: [] };
  const map = await GR.newMap('map', {
    sources: {
      coverage: { type: 'vector', url: GR.url('tiles/coverage.json') },
      cand: { type: 'geojson', data: empty },
    },
    layers: [
      { id: 'coverage', type: 'fill', source: 'coverage', 'source-layer': 'coverage',
        paint: { 'fill-color': ['case', ['==', ['get', 'covered'], true], '#a5d6a7', '#ef9a9a'], 'fill-opacity': 0.6 } },
      { id: 'newly', type: 'fill', source: 'coverage', 'source-layer': 'coverage', filter: ['in', ['id'], ['literal', []]],
        paint: { 'fill-color': '#1e88e5', 'fill-opacity': 0.75 } },
      { id: 'cand', type: 'line', source: 'cand', paint: { 'line-color': '#6a1b9a', 'line-width': 2.5, 'line-dasharray': [2, 1] } },
    ],
  });
  state.map = map;
  await new Promise(r => map.once('load', r));

  // Drawing (Terra Draw from npm).
  const TD = terraDraw;
  const editable = { feature: { draggable: true, coordinates: { midpoints: true, draggable: true, deletable: true } } };
  const draw = new TD.TerraDraw({
    adapter: new terraDrawMaplibreGlAdapter.TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TD.TerraDrawPolygonMode(),
      new TD.TerraDrawLineStringMode(),
      new TD.TerraDrawSelectMode({ flags: { polygon: editable, linestring: editable } }),
    ],
  });
  draw.start();
  state.draw = draw;
  // A switch of language reloads the page: the unsaved drawing survives it.
  GR.beforeSwitch(() => sessionStorage.setItem('gr_planner_draft', JSON.stringify({
    features: draw.getSnapshot(), width: $('belt-width').value, mode: $('mode').value,
  })));
  const modeButtons = document.querySelectorAll('.tools button[data-mode]');
  function setMode(m) {
    draw.setMode(m);
    modeButtons.forEach(b => b.classList.toggle('on', b.dataset.mode === m));
  }
  modeButtons.forEach(b => b.addEventListener('click', () => setMode(b.dataset.mode)));
  $('draw-clear').addEventListener('click', () => { draw.clear(); recompute(); });
  draw.on('finish', () => recompute());
  draw.on('change', (ids, type) => { if (type === 'delete') recompute(); });
  $('belt-width').addEventListener('change', () => recompute());
  $('mode').addEventListener('change', () => recompute());

  // drawn returns what is drawn as the what-if's features: polygons are
  // public parks, lines green belts of the chosen width.
  function drawn() {
    const width = Math.min(500, Math.max(5, +$('belt-width').value || 50));
    return draw.getSnapshot().filter(f => f.geometry.type === 'Polygon' || f.geometry.type === 'LineString').map(f => ({
      type: 'Feature', geometry: f.geometry,
      properties: f.geometry.type === 'Polygon' ? { kind: 'park', public: true, name: f.properties.name || t('draw.newPark') } : { kind: 'belt', width_m: width, name: t('draw.newBelt') },
    }));
  }

  function fmt(v, measure) {
    if (v == null || Number.isNaN(v)) return '–';
    if (/share|÷/.test(measure)) return (v * 100).toFixed(1) + '%';
    return GR.num(v, { maximumFractionDigits: 1 });
  }
  function cell(f, measure) { return `<td class="${f.pass ? 'pass' : 'fail'}">${fmt(f.value, measure)}</td>`; }

  let seq = 0;
  async function recompute() {
    const feats = drawn();
    const mine = ++seq;
    if (feats.length === 0) {
      state.delta = null;
      $('delta').hidden = true;
      $('delta-hint').hidden = false;
      map.setFilter('newly', ['in', ['id'], ['literal', []]]);
      return;
    }
    $('elapsed').textContent = '…';
    let d;
    try {
      state.requests++;
      d = await GR.json(`api/whatif?mode=${$('mode').value}`, { method: 'POST', headers: { 'Content-Type': 'application/geo+json' }, body: JSON.stringify({ type: 'FeatureCollection', features: feats }) });
    } catch (err) {
      $('elapsed').textContent = '';
      $('delta-hint').hidden = false;
      $('delta-hint').innerHTML = GR.errorHTML(Object.assign(new Error(t('delta.error', { msg: err.message })), { detail: err.detail }));
      state.errors.push(err.message);
      return;
    }
    if (mine !== seq) return; // a newer drawing is being measured
    showDelta(d);
  }

  function showDelta(d) {
    state.delta = d;
    $('delta-hint').hidden = true;
    $('elapsed').textContent = t('unit.ms', { ms: d.elapsed_ms.toFixed(1) });
    const rows = d.rules.map(r => {
      const b = r.city.before, a = r.city.after, ch = a.value - b.value;
      const sign = ch > 0 ? '+' : '';
      const ru = GR.rule(r);
      return `<tr data-rule="${GR.esc(r.id)}"><th title="${GR.esc(ru.desc)}">${GR.esc(ru.title)}</th>${cell(b, r.measure)}${cell(a, r.measure)}
        <td class="${ch > 0 ? 'up' : ch < 0 ? 'down' : ''}">${ch === 0 ? '–' : sign + fmt(ch, r.measure)}</td>
        <td>${r.residents_newly_covered ? '+' + GR.num(r.residents_newly_covered) : ''}</td></tr>`;
    });
    $('delta').querySelector('tbody').innerHTML = rows.join('');
    $('delta').hidden = false;
    const ids = new Set();
    d.rules.forEach(r => (r.parcels_newly_covered || []).forEach(id => ids.add(id)));
    map.setFilter('newly', ['in', ['id'], ['literal', [...ids]]]);
  }

  // Scenarios.
  async function listScenarios() {
    state.scenarios = await GR.json('api/scenarios');
    const ul = $('scenarios');
    ul.innerHTML = state.scenarios.map(s => `<li data-id="${s.id}"><label><input type="checkbox" class="cmp" value="${s.id}" title="${GR.esc(t('scen.compare'))}" aria-label="${GR.esc(t('scen.compare'))}"></label>
      <button class="load" data-id="${s.id}" translate="no">${GR.esc(s.name)}</button>
      <small>${GR.esc(t('scen.version', { n: s.version }))} · <span translate="no">${GR.esc(s.author || '')}</span> · ${GR.date(s.updated)}${s.committed ? ' · ' + GR.esc(t('scen.committed')) : ''}</small></li>`).join('') || `<li class="hint">${GR.esc(t('scen.none'))}</li>`;
    ul.querySelectorAll('button.load').forEach(b => b.addEventListener('click', () => load(+b.dataset.id)));
    ul.querySelectorAll('input.cmp').forEach(c => c.addEventListener('change', compare));
  }

  function toDraw(fc) {
    const out = [];
    for (const f of fc.features || []) {
      const g = f.geometry;
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
      for (const c of polys) out.push({ id: crypto.randomUUID(), type: 'Feature', geometry: { type: 'Polygon', coordinates: c }, properties: { mode: 'polygon', name: f.properties.name } });
    }
    return out;
  }

  async function load(id) {
    const r = await fetch(`api/scenarios/${id}`, { headers: GR.auth() });
    const s = await r.json().catch(() => ({}));
    if (!r.ok) throw GR.problem(r.status, s);
    state.saved = { id: s.id, version: s.version, etag: r.headers.get('ETag'), name: s.name };
    $('scenario-name').value = s.name;
    draw.clear();
    const feats = toDraw(s.edits || {});
    const res = draw.addFeatures(feats);
    (res || []).filter(x => x.valid === false).forEach(x => state.errors.push('not drawable: ' + x.reason));
    history.replaceState(null, '', `?scenario=${s.id}${location.hash}`);
    $('save-status').innerHTML = GR.tHTML('scen.loaded', { name: GR.dataHTML(s.name), version: s.version });
    await recompute();
  }

  $('save').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!state.delta) { $('save-status').textContent = t('scen.drawFirst'); return; }
    const edits = { type: 'FeatureCollection', features: state.delta.added.features.map(f => ({ type: 'Feature', geometry: f.geometry, properties: Object.assign({}, f.properties, { op: 'add' }) })) };
    const body = JSON.stringify({ name: $('scenario-name').value.trim(), edits });
    const again = state.saved && state.saved.name === $('scenario-name').value.trim();
    const r = await fetch(again ? `api/scenarios/${state.saved.id}` : 'api/scenarios', {
      method: again ? 'PATCH' : 'POST', body,
      headers: GR.auth(Object.assign({ 'Content-Type': 'application/json' }, again ? { 'If-Match': state.saved.etag } : {})),
    });
    const s = await r.json().catch(() => ({}));
    if (r.status === 412) {
      $('save-status').textContent = t('scen.conflict');
      return;
    }
    if (!r.ok) {
      const err = GR.problem(r.status, s);
      $('save-status').innerHTML = GR.errorHTML(Object.assign(new Error(t('scen.notSaved', { msg: err.message })), { detail: err.detail }));
      return;
    }
    state.saved = { id: s.id, version: s.version, etag: r.headers.get('ETag'), name: s.name };
    history.replaceState(null, '', `?scenario=${s.id}${location.hash}`);
    $('save-status').innerHTML = GR.tHTML('scen.saved', { name: GR.dataHTML(s.name), version: s.version });
    await listScenarios();
  });

  async function compare() {
    const ids = [...document.querySelectorAll('input.cmp:checked')].map(c => +c.value);
    const box = $('compare');
    if (ids.length < 2) { box.hidden = true; return; }
    const ds = await Promise.all(ids.map(id => GR.json(`api/whatif?scenario=${id}&mode=${$('mode').value}`, { method: 'POST' })));
    const names = ids.map(id => (state.scenarios.find(s => s.id === id) || {}).name || id);
    box.innerHTML = `<table class="rules"><thead><tr><th>${GR.esc(t('delta.rule'))}</th><th>${GR.esc(t('scen.baseline'))}</th>${names.map(n => `<th translate="no">${GR.esc(n)}</th>`).join('')}</tr></thead><tbody>` +
      ds[0].rules.map((r, i) => `<tr><th>${GR.esc(GR.rule(r).title)}</th>${cell(r.city.before, r.measure)}${ds.map(d => cell(d.rules[i].city.after, r.measure)).join('')}</tr>`).join('') +
      '</tbody></table>';
    box.hidden = false;
    state.compared = ids;
  }

  // Suggestions.
  const rules = await GR.json('api/rules');
  $('suggest-rule').innerHTML = rules.rules.filter(r => r.type === 'walk_access' || r.type === 'radius_coverage')
    .map(r => `<option value="${GR.esc(r.id)}">${GR.esc(GR.rule(r).title)}</option>`).join('');
  $('suggest').addEventListener('submit', async (e) => {
    e.preventDefault();
    const list = $('suggestions');
    list.innerHTML = `<li class="hint">${GR.esc(t('suggest.searching'))}</li>`;
    let fc;
    try {
      fc = await GR.json(`api/suggest?rule=${encodeURIComponent($('suggest-rule').value)}&size_m2=${+$('suggest-size').value}&count=3&mode=${$('mode').value}`);
    } catch (err) { list.innerHTML = `<li>${GR.errorHTML(err)}</li>`; return; }
    state.suggested = fc.features.map(f => f.properties);
    map.getSource('cand').setData(fc);
    list.innerHTML = fc.features.map((f, i) => `<li>${GR.esc(t('suggest.item', { gain: GR.num(f.properties.gain_residents), parcels: GR.num(f.properties.parcels), area: GR.area(f.properties.area_m2) }))}
      <button data-i="${i}" class="use">${GR.esc(t('suggest.use'))}</button></li>`).join('') || `<li class="hint">${GR.esc(t('suggest.none'))}</li>`;
    list.querySelectorAll('button.use').forEach(b => b.addEventListener('click', () => {
      const f = fc.features[+b.dataset.i];
      draw.addFeatures(toDraw({ features: [f] }));
      recompute();
    }));
  });

  await listScenarios();
  const want = new URLSearchParams(location.search).get('scenario');
  if (want) {
    await load(+want).catch(err => {
      $('save-status').innerHTML = GR.errorHTML(Object.assign(new Error(t('scen.loadFailed', { id: want, msg: err.message })), { detail: err.detail }));
    });
  }
  const draft = JSON.parse(sessionStorage.getItem('gr_planner_draft') || 'null');
  sessionStorage.removeItem('gr_planner_draft');
  if (draft) {
    $('belt-width').value = draft.width;
    $('mode').value = draft.mode;
    draw.clear();
    draw.addFeatures(draft.features || []);
    await recompute();
  }
  setMode('polygon');
  state.ready = true;
})().catch(err => {
  console.error(err);
  (window.__gr || {}).fatal = String(err.message || err);
  const h = document.getElementById('delta-hint');
  if (h) { h.hidden = false; h.innerHTML = GR.errorHTML(err); h.className = ''; }
});
