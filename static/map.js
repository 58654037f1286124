// The public park map: find parks by name, click a park for its details,
// click anywhere for the parks nearest by walking (straight line when no
// path is known).
'use strict';

(async () => {
  await GR.ready;
  const t = GR.t;
  const panel = document.getElementById('panel-body');
  const state = window.__gr = { ready: false, selected: null, nearest: null, searched: null };
  const map = await GR.newMap('map', {
    sources: {
      picked: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
      near: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [
      { id: 'picked', type: 'line', source: 'picked', paint: { 'line-color': '#d81b60', 'line-width': 3 } },
      { id: 'near-lines', type: 'line', source: 'near', filter: ['==', ['geometry-type'], 'LineString'],
        paint: { 'line-color': '#1e88e5', 'line-width': 2, 'line-dasharray': [2, 1] } },
      { id: 'near-points', type: 'circle', source: 'near', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 6, 'circle-color': '#1e88e5', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
    ],
  });
  state.map = map;
  map.on('load', () => { state.ready = true; });
  const popup = new maplibregl.Popup({ maxWidth: '280px' });

  function parkHTML(p, distance) {
    return `<div class="park"><h3 translate="no">${GR.esc(p.name || t('park.unnamed'))}</h3>
      <dl><dt>${t('park.kind')}</dt><dd>${GR.esc(GR.kind(p.kind))}</dd>
      <dt>${t('park.area')}</dt><dd class="area">${GR.area(p.area_m2)}</dd>
      ${p.public === false ? `<dt>${t('park.access')}</dt><dd>${t('park.notPublic')}</dd>` : ''}
      ${distance != null ? `<dt>${t('park.distance')}</dt><dd>${distance}</dd>` : ''}</dl></div>`;
  }

  // show selects a park feature (GeoJSON from our API): outline, popup, panel.
  function show(f, at) {
    state.selected = { id: f.id, name: f.properties.name, area_m2: f.properties.area_m2 };
    map.getSource('picked').setData(f);
    popup.setLngLat(at).setHTML(parkHTML(f.properties)).addTo(map);
    panel.innerHTML = parkHTML(f.properties);
    if (window.GRSurvey) GRSurvey.show(panel, f.id); // staff: its survey record (survey.js)
  }

  // The public case layer (市民反映的问题): registered cases of the last 90
  // days from the public case tiles, status only (state, category, day;
  // points rounded to about 10 m by the server), a heatmap when zoomed
  // out. Off until the visitor turns it on (or ?cases=1).
  const caseColours = ['match', ['get', 'state'], 'registered', '#1e88e5', 'dispatched', '#5e35b1',
    'handled', '#00897b', 'verified', '#43a047', 'closed', '#2e7d32', '#9e9e9e'];
  const caseToggle = document.getElementById('cases-toggle');
  let caseCats = null;
  async function showCases(on) {
    if (!map.isStyleLoaded()) await new Promise(r => map.once('load', r));
    if (on && !map.getSource('public-cases')) {
      map.addSource('public-cases', { type: 'vector', tiles: [GR.url('api/cases/public/tiles/') + '{z}/{x}/{y}.mvt'], minzoom: 4, maxzoom: 16 });
      map.addLayer({ id: 'public-cases-heat', type: 'heatmap', source: 'public-cases', 'source-layer': 'cases_heat', paint: {
        'heatmap-weight': ['interpolate', ['linear'], ['get', 'count'], 0, 0, 1, 0.6, 10, 1],
        'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, 12, 13, 30],
        'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 8, 1, 13, 2],
        'heatmap-opacity': 0.75,
      } });
      map.addLayer({ id: 'public-cases', type: 'circle', source: 'public-cases', 'source-layer': 'cases', paint: {
        'circle-color': caseColours, 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5,
      } });
      map.on('mouseenter', 'public-cases', () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', 'public-cases', () => { map.getCanvas().style.cursor = ''; });
    }
    for (const id of ['public-cases-heat', 'public-cases']) {
      if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    }
    caseToggle.checked = on;
    state.cases = on;
  }
  async function caseHTML(p) {
    caseCats = caseCats || await GR.json(`api/cases/categories?lang=${GR.lang}`);
    const name = (list, code) => (list.find(x => x.code === code) || { name: code }).name;
    return `<div class="case"><h3>${GR.esc(name(caseCats.categories, p.category))}</h3>
      <dl><dt>${GR.esc(t('cases.state'))}</dt><dd class="case-state">${GR.esc(name(caseCats.states, p.state))}</dd>
      <dt>${GR.esc(t('cases.opened'))}</dt><dd>${GR.esc(p.opened)}</dd></dl></div>`;
  }
  caseToggle.addEventListener('change', () => showCases(caseToggle.checked).catch(err => { panel.innerHTML = `<p>${GR.errorHTML(err)}</p>`; }));
  if (new URLSearchParams(location.search).get('cases') === '1') await showCases(true);

  // Clicking a park: its feature, whole, from the OGC API (tile features are
  // clipped), so the area shown is the stored one.
  map.on('click', async (e) => {
    if (state.cases) {
      const cs = map.queryRenderedFeatures(e.point, { layers: ['public-cases'] });
      if (cs.length > 0) {
        const html = await caseHTML(cs[0].properties);
        popup.setLngLat(e.lngLat).setHTML(html).addTo(map);
        panel.innerHTML = html;
        state.caseShown = cs[0].properties;
        return;
      }
    }
    const hits = map.queryRenderedFeatures(e.point, { layers: ['green'] });
    if (hits.length > 0) {
      const f = await GR.json(`collections/green/items/${hits[0].id}`);
      show(f, e.lngLat);
      return;
    }
    await nearest(e.lngLat);
  });
  map.on('mouseenter', 'green', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'green', () => { map.getCanvas().style.cursor = ''; });

  async function nearest(ll) {
    popup.remove();
    map.getSource('picked').setData({ type: 'FeatureCollection', features: [] });
    panel.innerHTML = `<p class="hint">${GR.esc(t('near.finding'))}</p>`;
    const q = `lon=${ll.lng.toFixed(6)}&lat=${ll.lat.toFixed(6)}&layer=green&k=5`;
    let by = 'walk';
    let fc = await GR.json(`api/nearest?${q}&by=walk&meters=3000`).catch(() => null);
    if (!fc || fc.features.length === 0) {
      by = 'line';
      fc = await GR.json(`api/nearest?${q}&meters=5000`);
    }
    state.nearest = { by, lon: +ll.lng.toFixed(6), lat: +ll.lat.toFixed(6), features: fc.features.map(f => ({ id: f.id, name: f.properties.name, distance_m: f.properties.distance_m })) };
    const marks = [{ type: 'Feature', geometry: { type: 'Point', coordinates: [ll.lng, ll.lat] }, properties: {} }];
    const items = fc.features.map((f, i) => {
      const c = [(f.bbox[0] + f.bbox[2]) / 2, (f.bbox[1] + f.bbox[3]) / 2];
      marks.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[ll.lng, ll.lat], c] }, properties: {} });
      const d = GR.metres(f.properties.distance_m);
      const mins = ' · ' + (by === 'walk' ? t('near.walkMin', { min: Math.max(1, Math.round(f.properties.distance_m / 80)) }) : t('near.straight'));
      return `<li><button data-i="${i}"><b translate="no">${GR.esc(f.properties.name || t('park.unnamed'))}</b>
        <span>${GR.esc(GR.kind(f.properties.kind))}, ${GR.area(f.properties.area_m2)}</span>
        <span class="dist">${d}${mins}</span></button></li>`;
    });
    map.getSource('near').setData({ type: 'FeatureCollection', features: marks });
    panel.innerHTML = fc.features.length === 0
      ? `<p class="hint">${GR.esc(t('near.none'))}</p>`
      : `<h2>${GR.esc(t(by === 'walk' ? 'near.headWalk' : 'near.headLine'))}</h2><ol class="list">${items.join('')}</ol>`;
    panel.querySelectorAll('button[data-i]').forEach(b => b.addEventListener('click', () => {
      const f = fc.features[+b.dataset.i];
      map.fitBounds([[f.bbox[0], f.bbox[1]], [f.bbox[2], f.bbox[3]]], { padding: 60, maxZoom: 17 });
      show(f, [(f.bbox[0] + f.bbox[2]) / 2, (f.bbox[1] + f.bbox[3]) / 2]);
    }));
  }

  // Search by name.
  const input = document.getElementById('q');
  const results = document.getElementById('results');
  let timer = null, found = [];
  async function search() {
    const q = input.value.trim();
    if (!q) { results.hidden = true; return; }
    const fc = await GR.json(`api/search?q=${encodeURIComponent(q)}&layer=green&limit=8`);
    found = fc.features;
    state.searched = { q, names: found.map(f => f.properties.name) };
    results.innerHTML = found.length === 0 ? `<li class="none">${GR.esc(t('search.none'))}</li>`
      : found.map((f, i) => `<li role="option"><button type="button" data-i="${i}"><span translate="no">${GR.esc(f.properties.name)}</span>
          <small>${GR.esc(GR.kind(f.properties.kind))} · ${GR.area(f.properties.area_m2)}</small></button></li>`).join('');
    results.hidden = false;
  }
  function pick(i) {
    const f = found[i];
    results.hidden = true;
    input.value = f.properties.name;
    map.fitBounds([[f.bbox[0], f.bbox[1]], [f.bbox[2], f.bbox[3]]], { padding: 60, maxZoom: 17, duration: 0 });
    show(f, [(f.bbox[0] + f.bbox[2]) / 2, (f.bbox[1] + f.bbox[3]) / 2]);
  }
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  document.getElementById('search').addEventListener('submit', async (e) => {
    e.preventDefault();
    await search();
    if (found.length > 0) pick(0);
  });
  results.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-i]');
    if (b) pick(+b.dataset.i);
  });
})().catch(err => {
  console.error(err);
  const p = document.getElementById('panel-body');
  if (p) p.innerHTML = `<p>${GR.errorHTML(err)}</p>`;
});
