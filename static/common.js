// Shared by the pages: the map style over greenreach's tiles, and small
// formatting helpers. No framework; MapLibre GL JS from static/lib. Every
// path is relative to the page, so the service may live under a prefix
// (https://gis.example.cn/greenreach/) behind a proxy.
'use strict';

const GR = (() => {
  const green = '#3a9d4a';
  const kindColour = [
    'match', ['get', 'kind'],
    'park', '#3a9d4a', 'garden', '#5cb85c', 'playground', '#8bc34a', 'belt', '#2e7d32',
    'forest', '#1b5e20', 'wood', '#1b5e20', 'lawn', '#9ccc65', 'scrub', '#7cb342',
    'recreation_ground', '#66bb6a', '#4caf50',
  ];

  // style returns our MapLibre style: no basemap (it runs on an intranet),
  // the public composite tile, and labels in any script drawn from the
  // glyph ranges the service serves (never the browser's fonts).
  function style(extraSources = {}, extraLayers = [], tilesSource = null) {
    return {
      version: 8,
      glyphs: url('fonts/') + '{fontstack}/{range}.pbf',
      sources: Object.assign({ gr: tilesSource || { type: 'vector', url: url('tiles/public.json') } }, extraSources),
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } },
        { id: 'areas-fill', type: 'fill', source: 'gr', 'source-layer': 'areas', filter: ['==', ['get', 'level'], 'district'],
          paint: { 'fill-color': '#ece7dc', 'fill-opacity': 0.5 } },
        { id: 'green', type: 'fill', source: 'gr', 'source-layer': 'green',
          paint: { 'fill-color': kindColour, 'fill-opacity': ['case', ['==', ['get', 'public'], false], 0.35, 0.75] } },
        { id: 'green-outline', type: 'line', source: 'gr', 'source-layer': 'green', minzoom: 13,
          paint: { 'line-color': '#1b5e20', 'line-width': 0.6 } },
        { id: 'roads-minor', type: 'line', source: 'gr', 'source-layer': 'roads',
          filter: ['!', ['in', ['get', 'class'], ['literal', ['motorway', 'trunk', 'primary', 'secondary']]]],
          minzoom: 12, paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.5, 17, 4] } },
        { id: 'roads-major', type: 'line', source: 'gr', 'source-layer': 'roads',
          filter: ['in', ['get', 'class'], ['literal', ['motorway', 'trunk', 'primary', 'secondary']]],
          paint: { 'line-color': ['case', ['==', ['get', 'ring'], true], '#e08e3c', '#f3c26b'],
                   'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 17, 8] } },
        { id: 'areas-line', type: 'line', source: 'gr', 'source-layer': 'areas',
          paint: { 'line-color': '#8d6e63', 'line-dasharray': [3, 2],
                   'line-width': ['match', ['get', 'level'], 'district', 1.6, 0.8] } },
        ...extraLayers,
        { id: 'waste', type: 'circle', source: 'gr', 'source-layer': 'waste', minzoom: 13,
          paint: { 'circle-radius': 3.5, 'circle-color': '#6d4c41', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
        { id: 'green-label', type: 'symbol', source: 'gr', 'source-layer': 'green', minzoom: 13,
          filter: ['all', ['has', 'name'], ['>=', ['get', 'area_m2'], 1000]],
          layout: { 'text-field': ['get', 'name'], 'text-size': 12, 'text-font': ['Greenreach Sans Regular'] },
          paint: { 'text-color': '#1b5e20', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
      ],
    };
  }

  // The caller's API token (greenreach token create), kept in this
  // browser's localStorage and sent as Authorization: Bearer.
  const token = () => localStorage.getItem('gr_token') || '';
  // url is the absolute URL of a path relative to the service's root (the
  // pages' directory), as MapLibre's sources and workers need.
  function url(path) { return new URL(path, document.baseURI).href; }

  function auth(headers = {}) {
    const t = token();
    return t ? Object.assign({ Authorization: 'Bearer ' + t }, headers) : headers;
  }
  // tokenButton adds a key button to the header bar to set or clear it.
  function tokenButton() {
    const nav = document.querySelector('.nav');
    if (!nav) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'token';
    b.textContent = token() ? '🔑 signed in' : '🔑 token';
    b.title = 'Set the API token this page sends (greenreach token create --role planner|auditor|admin)';
    b.addEventListener('click', () => {
      const t = prompt('API token (empty to sign out):', '');
      if (t === null) return;
      if (t.trim()) localStorage.setItem('gr_token', t.trim()); else localStorage.removeItem('gr_token');
      location.reload();
    });
    nav.appendChild(b);
  }

  // newMap makes a map fitted to the data's bounds.
  async function newMap(container, opts = {}) {
    if (typeof maplibregl === 'undefined') {
      document.getElementById('missing').hidden = false;
      throw new Error('MapLibre GL JS is not installed (make assets)');
    }
    // ?pmtiles=URL: the public tiles from a PMTiles archive (greenreach
    // export) on any static host, read with HTTP range requests.
    const archive = new URLSearchParams(location.search).get('pmtiles');
    let tj, source = null;
    if (archive && typeof pmtiles !== 'undefined') {
      const url = new URL(archive, location.href).href;
      const protocol = new pmtiles.Protocol();
      maplibregl.addProtocol('pmtiles', protocol.tile);
      const p = new pmtiles.PMTiles(url);
      protocol.add(p);
      const h = await p.getHeader();
      const meta = await p.getMetadata().catch(() => ({}));
      tj = { bounds: [h.minLon, h.minLat, h.maxLon, h.maxLat], attribution: meta.attribution };
      source = { type: 'vector', url: 'pmtiles://' + url, attribution: meta.attribution };
    } else {
      tj = await fetch('tiles/public.json').then(r => r.json());
    }
    const map = new maplibregl.Map(Object.assign({
      container,
      style: style(opts.sources, opts.layers, source),
      bounds: [[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]],
      fitBoundsOptions: { padding: 20 },
      hash: true,
      localIdeographFontFamily: false, // CJK from the served glyphs too
      attributionControl: { compact: false, customAttribution: tj.attribution ? undefined : 'greenreach' },
      preserveDrawingBuffer: true, // screenshots in tests and for print
      // Our own tiles carry the token (coverage tiles need a planner's).
      transformRequest: (u) => (u.startsWith(url('./')) && token() ? { url: u, headers: auth() } : { url: u }),
    }, opts.map || {}));
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.addControl(new maplibregl.GeolocateControl({ trackUserLocation: false }), 'top-right');
    return map;
  }

  function area(m2) {
    if (m2 == null) return '';
    return m2 >= 10000 ? `${(m2 / 10000).toFixed(2)} ha (${Math.round(m2).toLocaleString('en')} m²)` : `${Math.round(m2).toLocaleString('en')} m²`;
  }
  function metres(m) { return m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${Math.round(m)} m`; }
  function esc(s) { return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }
  const kindNames = { park: '公园 park', garden: '花园 garden', playground: '游乐场 playground', belt: '绿带 green belt',
    forest: '林地 forest', wood: '林地 wood', lawn: '草坪 lawn', scrub: '灌木 scrub', recreation_ground: '游憩地 recreation ground' };
  function kind(k) { return kindNames[k] || k || ''; }
  async function json(url, init) {
    const r = await fetch(url, Object.assign({}, init, { headers: auth((init || {}).headers) }));
    const body = await r.json().catch(() => ({}));
    if (r.status === 401 || r.status === 403) {
      throw Object.assign(new Error((body.detail || body.title) + ' — set a token with the 🔑 button'), { status: r.status, body });
    }
    if (!r.ok) throw Object.assign(new Error(body.detail || body.title || r.statusText), { status: r.status, body });
    return body;
  }
  return { style, newMap, area, metres, esc, kind, json, green, auth, token, tokenButton, url };
})();
