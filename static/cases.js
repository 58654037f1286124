// The dispatcher's case board (案件调度): the cases on a map and in a list,
// filtered by state, category, zone and overdue; the selected case with its
// history and the steps the workflow lets a dispatcher take from its state,
// each sent with If-Match (a case someone else moved meanwhile answers 412:
// the page reloads it and says so).
'use strict';

// steps are the dispatcher's rows of cases.Workflow, by the state they
// leave (a Go test checks them against the table): each with the fields
// its form asks for.
const steps = {
  reported: [{ action: 'register', fields: ['unit'] }, { action: 'reject', fields: ['note'] }, { action: 'merge', fields: ['duplicate', 'note'] }],
  registered: [{ action: 'dispatch', fields: ['unit'] }],
  dispatched: [{ action: 'dispatch', fields: ['unit', 'note'] }],
  verified: [{ action: 'close', fields: [] }],
};

(async () => {
  await GR.ready;
  const t = GR.t;
  GR.tokenButton();
  const $ = (id) => document.getElementById(id);
  const state = window.__gr = { ready: false, list: [], selected: null, conflicts: 0 };
  const maxList = 500;

  const cats = await GR.json(`api/cases/categories?lang=${GR.lang}`);
  const label = (list, code) => (list.find(x => x.code === code) || { name: code }).name;
  const catName = (c) => label(cats.categories, c);
  const stateName = (s) => label(cats.states, s);
  const actionName = (a) => label(cats.actions, a);
  $('f-state').insertAdjacentHTML('beforeend', cats.states.map(s => `<option value="${GR.esc(s.code)}">${GR.esc(s.name)}</option>`).join(''));
  $('f-category').insertAdjacentHTML('beforeend', cats.categories.map(c => `<option value="${GR.esc(c.code)}">${GR.esc(c.name)}</option>`).join(''));

  // The filters live in the URL's query, so a view can be shared and
  // survives a reload.
  const params = new URLSearchParams(location.search);
  $('f-state').value = params.get('state') || '';
  $('f-category').value = params.get('category') || '';
  $('f-zone').value = params.get('zone') || '';
  $('f-overdue').checked = params.get('overdue') === 'true';
  function query() {
    const q = new URLSearchParams();
    if ($('f-state').value) q.set('state', $('f-state').value);
    if ($('f-category').value) q.set('category', $('f-category').value);
    if ($('f-zone').value.trim()) q.set('zone', $('f-zone').value.trim());
    if ($('f-overdue').checked) q.set('overdue', 'true');
    return q;
  }

  let map = null;
  // Set once the map's style has loaded: isStyleLoaded() is also false
  // while any source's tiles load, which would skip a heatmap redraw.
  let mapReady = false;
  const features = () => ({ type: 'FeatureCollection', features: state.list.map(k => ({
    type: 'Feature', id: k.id, geometry: { type: 'Point', coordinates: [k.lon, k.lat] },
    properties: { id: k.id, state: k.state, overdue: k.overdue, selected: state.selected && state.selected.id === k.id },
  })) });

  async function load() {
    const q = query();
    const shown = new URLSearchParams(q);
    if ($('f-heat').checked) { shown.set('heat', 'true'); shown.set('month', $('f-month').value); }
    history.replaceState(null, '', location.pathname + (shown.toString() ? '?' + shown : '') + location.hash);
    q.set('limit', String(maxList));
    $('count').textContent = t('board.loading');
    let out;
    try {
      out = await GR.json('api/cases?' + q);
    } catch (err) {
      // The shared message names the planning roles: say which this page needs.
      if (err.status === 401) err.message = t('board.needToken');
      $('count').innerHTML = GR.errorHTML(err);
      state.list = [];
      renderList();
      throw err;
    }
    state.list = out.cases;
    $('count').textContent = t(out.next ? 'board.countMore' : 'board.count', { n: out.cases.length });
    const opts = (vals) => [...new Set(vals.filter(Boolean))].sort().map(v => `<option value="${GR.esc(v)}">`).join('');
    $('zones').innerHTML = opts(out.cases.map(k => k.zone));
    $('units').innerHTML = opts(out.cases.map(k => k.unit));
    renderList();
    state.loaded = (state.loaded || 0) + 1;
  }

  function renderList() {
    const rows = state.list.map(k => `<tr data-id="${k.id}" class="${state.selected && state.selected.id === k.id ? 'on' : ''}" tabindex="0">
      <td class="case-id">#${k.id}</td><td>${GR.esc(catName(k.category))}</td>
      <td><span class="state state-${GR.esc(k.state)}">${GR.esc(stateName(k.state))}</span>${k.overdue ? ` <span class="overdue">${GR.esc(t('board.overdueMark'))}</span>` : ''}</td>
      <td translate="no">${GR.esc(k.zone || '')}${k.unit ? ' → ' + GR.esc(k.unit) : ''}</td><td class="hint">${GR.esc(GR.date(k.reported))}</td></tr>`);
    $('list').innerHTML = `<thead><tr><th>${GR.esc(t('board.id'))}</th><th>${GR.esc(t('board.category'))}</th><th>${GR.esc(t('board.state'))}</th><th>${GR.esc(t('board.zoneUnit'))}</th><th>${GR.esc(t('board.reported'))}</th></tr></thead><tbody>${rows.join('')}</tbody>`;
    $('list').querySelectorAll('tbody tr').forEach(tr => {
      const go = () => select(+tr.dataset.id).catch(showError);
      tr.addEventListener('click', go);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
    });
    if (map && map.getSource('cases')) map.getSource('cases').setData(features());
  }

  // ---- The selected case ----
  async function select(id, message) {
    const k = await GR.json(`api/cases/${id}`);
    state.selected = k;
    const i = state.list.findIndex(x => x.id === k.id);
    if (i >= 0) state.list[i] = Object.assign({}, state.list[i], k, { history: undefined });
    renderList();
    renderDetail(k, message);
    if (map) map.easeTo({ center: [k.lon, k.lat], zoom: Math.max(map.getZoom(), 15) });
  }

  const field = {
    unit: () => `<label>${GR.esc(t('board.unit'))} <input name="unit" list="units" maxlength="40" size="16" placeholder="${GR.esc(t('board.unitAuto'))}"></label>`,
    note: () => `<label>${GR.esc(t('board.note'))} <input name="note" maxlength="2000"></label>`,
    duplicate: () => `<label>${GR.esc(t('board.duplicate'))} <input name="duplicate" type="number" min="1" step="1" required></label>`,
  };
  function renderDetail(k, message) {
    const el = $('detail');
    el.hidden = false;
    const dl = [
      [t('board.category'), GR.esc(catName(k.category))],
      [t('board.state'), `<span class="state state-${GR.esc(k.state)}">${GR.esc(stateName(k.state))}</span>${k.overdue ? ` <span class="overdue">${GR.esc(t('board.overdueMark'))}</span>` : ''}`],
      [t('board.description'), GR.dataHTML(k.description || '–')],
      [t('board.zoneUnit'), GR.dataHTML([k.zone, k.unit].filter(Boolean).join(' → ') || '–')],
      [t('board.reporter'), GR.dataHTML(k.reporter) + (k.contact ? ' · ' + GR.dataHTML(k.contact) : '')],
      [t('board.reported'), GR.esc(GR.date(k.reported))],
      k.deadline ? [t('board.deadline'), GR.esc(GR.date(k.deadline))] : null,
      k.reason ? [t('board.reason'), GR.dataHTML(k.reason)] : null,
      k.duplicate_of ? [t('board.duplicateOf'), `#${k.duplicate_of}`] : null,
    ].filter(Boolean).map(([dt, dd]) => `<dt>${GR.esc(dt)}</dt><dd>${dd}</dd>`).join('');
    const forms = (steps[k.state] || []).map(s => {
      return `<form class="step" data-action="${s.action}">${s.fields.map(f => field[f]()).join('')}
        <button type="submit" class="primary">${GR.esc(actionName(s.action))}</button></form>`;
    }).join('');
    const hist = (k.history || []).map(e => `<li><span class="hint">${GR.esc(GR.date(e.at))}</span> ${GR.tHTML('board.by', { who: GR.dataHTML(e.who), action: GR.esc(actionName(e.action)) })}` +
      `${e.from ? ` <small>${GR.esc(stateName(e.from))} → ${GR.esc(stateName(e.to))}</small>` : ` <small>→ ${GR.esc(stateName(e.to))}</small>`}` +
      `${e.unit ? ' · ' + GR.dataHTML(e.unit) : ''}${e.note ? ' · ' + GR.dataHTML(e.note) : ''}` +
      `${e.photos.map(p => `<img class="thumb" data-src="api/cases/${k.id}/photos/${p}/thumb" alt="${GR.esc(t('board.photo'))}">`).join('')}</li>`).join('');
    el.innerHTML = `<h2>${GR.esc(t('board.case', { id: k.id }))}</h2>
      ${message ? `<p class="notice">${message}</p>` : ''}
      <dl class="case-fields">${dl}</dl>
      <h3>${GR.esc(t('board.actions'))}</h3>
      ${forms || `<p class="hint">${GR.esc(t('board.noActions'))}</p>`}
      <p id="step-status" aria-live="polite"></p>
      <h3>${GR.esc(t('board.history'))}</h3><ol class="history">${hist}</ol>`;
    el.querySelectorAll('form.step').forEach(f => f.addEventListener('submit', (e) => { e.preventDefault(); step(k, f).catch(showError); }));
    GR.authImages(el, 'img.thumb'); // photos need the token
  }

  async function step(k, form) {
    const action = form.dataset.action;
    const body = {};
    for (const [name, v] of new FormData(form)) {
      if (String(v).trim() === '') continue;
      body[name] = name === 'duplicate' ? Number(v) : String(v).trim();
    }
    if ((action === 'reject' || action === 'merge') && !body.note) {
      $('step-status').innerHTML = GR.errorHTML(t('board.needReason'));
      form.querySelector('[name=note]').focus();
      return;
    }
    form.querySelector('button').disabled = true;
    const r = await fetch(GR.url(`api/cases/${k.id}/${action}`), {
      method: 'POST',
      headers: GR.auth({ 'Content-Type': 'application/json', 'If-Match': `"v${k.version}"` }),
      body: JSON.stringify(body),
    }).catch(() => null);
    if (!r) { form.querySelector('button').disabled = false; $('step-status').innerHTML = GR.errorHTML(t('problem.network')); return; }
    const out = await r.json().catch(() => ({}));
    if (r.status === 412) {
      // Someone moved the case on: show it as it is now.
      await select(k.id, GR.esc(t('board.conflict')));
      state.conflicts++; // counted once the page shows it (tests wait for it)
      return;
    }
    if (!r.ok) {
      form.querySelector('button').disabled = false;
      $('step-status').innerHTML = GR.errorHTML(GR.problem(r.status, out));
      return;
    }
    await load();
    showHeat(); // the step may take the case out of the heatmap's filter
    await select(k.id, GR.esc(t('board.done', { action: actionName(action), state: stateName(out.state) })) +
      (out.warning ? ` <small class="api-detail" lang="en">${GR.esc(out.warning)}</small>` : ''));
    state.steps = (state.steps || 0) + 1; // counted once the page shows it
  }
  function showError(err) {
    console.warn(err);
    const el = $('step-status') || $('count');
    el.innerHTML = GR.errorHTML(err);
  }

  // The heatmap view: a chosen month of cases (by the state and category
  // filters) from the staff's case tiles, drawn as a heatmap — cells'
  // counts when zoomed out, the cases themselves when zoomed in.
  const beijing = (d) => new Date(d.getTime() + 8 * 3600e3).toISOString();
  $('f-heat').checked = params.get('heat') === 'true';
  $('f-month').value = params.get('month') || beijing(new Date()).slice(0, 7);
  function heatQuery() {
    const [y, m] = $('f-month').value.split('-').map(Number);
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const q = new URLSearchParams({ from: `${$('f-month').value}-01`, to: `${$('f-month').value}-${String(last).padStart(2, '0')}` });
    if ($('f-state').value) q.set('state', $('f-state').value);
    if ($('f-category').value) q.set('category', $('f-category').value);
    return q;
  }
  function showHeat() {
    if (!map || !mapReady) return;
    for (const id of ['heat-cells', 'heat-points']) if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource('heat')) map.removeSource('heat');
    const on = $('f-heat').checked && /^\d{4}-\d{2}$/.test($('f-month').value);
    state.heat = on ? { month: $('f-month').value, query: heatQuery().toString() } : null;
    if (!on) return;
    map.addSource('heat', { type: 'vector', tiles: [GR.url('api/cases/tiles/') + '{z}/{x}/{y}.mvt?' + heatQuery()], minzoom: 4, maxzoom: 20 });
    const common = {
      'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, 12, 13, 30, 16, 50],
      'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 8, 1, 16, 3],
      'heatmap-opacity': 0.8,
      'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(255,255,255,0)', 0.2, '#ffe082', 0.5, '#ff9800', 0.8, '#e53935', 1, '#b71c1c'],
    };
    const under = map.getLayer('cases') ? 'cases' : undefined;
    map.addLayer({ id: 'heat-cells', type: 'heatmap', source: 'heat', 'source-layer': 'cases_heat',
      paint: Object.assign({ 'heatmap-weight': ['interpolate', ['linear'], ['get', 'count'], 0, 0, 1, 0.6, 10, 1] }, common) }, under);
    map.addLayer({ id: 'heat-points', type: 'heatmap', source: 'heat', 'source-layer': 'cases', paint: Object.assign({ 'heatmap-weight': 1 }, common) }, under);
  }

  $('filters').addEventListener('change', (e) => {
    if (['f-heat', 'f-month'].includes(e.target.id)) {
      const q = new URLSearchParams(location.search);
      if ($('f-heat').checked) { q.set('heat', 'true'); q.set('month', $('f-month').value); } else { q.delete('heat'); q.delete('month'); }
      history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : '') + location.hash);
      showHeat();
      return;
    }
    load().then(showHeat).catch(() => {});
  });
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); load().catch(() => {}); });
  await load();

  try {
    const colours = ['match', ['get', 'state'], 'reported', '#fb8c00', 'registered', '#1e88e5', 'dispatched', '#5e35b1',
      'handled', '#00897b', 'verified', '#43a047', 'closed', '#2e7d32', '#9e9e9e'];
    map = await GR.newMap('map', {
      map: { hash: false },
      sources: { cases: { type: 'geojson', data: features() } },
      layers: [{ id: 'cases', type: 'circle', source: 'cases', paint: {
        'circle-color': colours, 'circle-radius': ['case', ['get', 'selected'], 10, 7],
        'circle-stroke-color': ['case', ['get', 'overdue'], '#c62828', '#fff'], 'circle-stroke-width': ['case', ['get', 'overdue'], 3, 1.5],
      } }],
    });
    state.map = map;
    map.on('click', 'cases', (e) => select(e.features[0].properties.id).catch(showError));
    map.on('mouseenter', 'cases', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'cases', () => { map.getCanvas().style.cursor = ''; });
    await new Promise(r => map.loaded() ? r() : map.once('load', r));
    mapReady = true;
    if (state.list.length) {
      const b = new maplibregl.LngLatBounds();
      state.list.forEach(k => b.extend([k.lon, k.lat]));
      map.fitBounds(b, { padding: 60, maxZoom: 16, duration: 0 });
    }
    showHeat();
  } catch (err) {
    console.warn(err);
  }
  state.ready = true;
})().catch(err => {
  console.error(err);
  (window.__gr || {}).fatal = String(err.message || err);
  document.getElementById('count').innerHTML = GR.errorHTML(err);
});
