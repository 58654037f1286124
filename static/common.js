// Shared by the pages: the map over the service's style (/style.json), the
// pages' language (Chinese or English message catalogues), the token dialog and
// small formatting helpers. No framework; MapLibre GL JS from static/lib. Every
// path is relative to the page, so the service may live under a prefix
// (https://gis.example.cn/greenreach/) behind a proxy.
'use strict';

const GR = (() => {
  const green = '#3a9d4a';
  // loadStyle fetches the map's style from the service (/style.json: our
  // tiles, glyphs and sprite; no basemap, as it runs on an intranet) and
  // adds the page's own sources, and its layers below the waste points and
  // labels. The style's URLs on the service are made relative to this page,
  // so that the pages work under a prefix (a proxy) as the rest does;
  // tilesSource, if given, replaces the public tiles (a PMTiles archive).
  async function loadStyle(extraSources = {}, extraLayers = [], tilesSource = null) {
    const r = await fetch(url('style.json'));
    if (!r.ok) throw problem(r.status, await r.json().catch(() => ({})));
    const st = await r.json();
    const serverBase = String(st.sprite).replace(/\/sprite$/, '');
    const pageBase = url('./').replace(/\/$/, '');
    const rebase = (u) => (typeof u === 'string' && u.startsWith(serverBase + '/') ? pageBase + u.slice(serverBase.length) : u);
    st.glyphs = rebase(st.glyphs);
    st.sprite = rebase(st.sprite);
    for (const src of Object.values(st.sources)) if (src.url) src.url = rebase(src.url);
    if (tilesSource) st.sources.gr = tilesSource;
    Object.assign(st.sources, extraSources);
    const at = st.layers.findIndex(l => l.id === 'waste');
    st.layers.splice(at < 0 ? st.layers.length : at, 0, ...extraLayers);
    return st;
  }

  // ---- Language ----
  // The pages speak Chinese or English: the reader's choice (the switch,
  // kept in localStorage), else the first of the browser's languages we
  // have a catalogue for, else Chinese. Catalogues are static/i18n/*.json,
  // with the same keys; t(key, {var}) fills {var} in the message.
  const langs = ['zh-CN', 'en'];
  function pickLang() {
    const saved = localStorage.getItem('gr_lang');
    if (langs.includes(saved)) return saved;
    for (const l of navigator.languages || [navigator.language || '']) {
      const s = String(l).toLowerCase();
      if (s.startsWith('zh')) return 'zh-CN';
      if (s.startsWith('en')) return 'en';
    }
    return 'zh-CN';
  }
  const lang = pickLang();
  let messages = {};
  // missing collects keys asked for that the catalogue lacks (tests read it).
  const missing = new Set();
  function has(key) { return typeof messages[key] === 'string'; }
  function t(key, vars) {
    let s = messages[key];
    if (typeof s !== 'string') { missing.add(key); s = key; }
    return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
  }
  // tHTML is t as HTML: the message escaped, the vars given as HTML (a
  // name from the data goes in as dataHTML(name)).
  function tHTML(key, vars) {
    return esc(t(key)).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  }
  // dataHTML marks words from the data (names of places, parks, people)
  // as not ours to translate.
  function dataHTML(s) { return `<span translate="no">${esc(s)}</span>`; }
  // translate fills the page's own words: data-i18n (text), data-i18n-html
  // (our catalogue's markup), data-i18n-title/-placeholder/-aria-label.
  function translate(root = document) {
    root.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
    root.querySelectorAll('[data-i18n-html]').forEach(el => { el.innerHTML = t(el.dataset.i18nHtml); });
    for (const attr of ['title', 'placeholder', 'aria-label']) {
      root.querySelectorAll(`[data-i18n-${attr}]`).forEach(el => el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`))));
    }
  }
  // beforeSwitch: pages register what to keep across the reload a switch
  // of language does (the planner's unsaved drawing).
  const keepers = [];
  function beforeSwitch(fn) { keepers.push(fn); }
  function switchLang(l) {
    if (!langs.includes(l) || l === lang) return;
    keepers.forEach(fn => { try { fn(); } catch (e) { console.warn(e); } });
    localStorage.setItem('gr_lang', l);
    location.reload();
  }
  // langSwitch adds 中文 / English to the header bar; each name is in its
  // own language (lang attribute), the current one pressed.
  function langSwitch() {
    const nav = document.querySelector('.nav');
    if (!nav || nav.querySelector('.lang')) return;
    const g = document.createElement('span');
    g.className = 'lang';
    g.setAttribute('role', 'group');
    g.setAttribute('aria-label', t('lang.switch'));
    for (const [l, name] of [['zh-CN', '中文'], ['en', 'English']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.lang = l;
      b.dataset.lang = l;
      b.textContent = name;
      b.setAttribute('aria-pressed', String(l === lang));
      b.addEventListener('click', () => switchLang(l));
      g.appendChild(b);
    }
    nav.appendChild(g);
  }
  // numbers and dates as the reader's language writes them.
  const locale = lang === 'zh-CN' ? 'zh-CN' : 'en';
  function num(v, opts) { return Number(v).toLocaleString(locale, opts); }
  function date(s) { return new Date(s).toLocaleString(locale); }
  // ready: the catalogue is loaded and the page's static words are in place;
  // every page script awaits it first.
  const ready = fetch(url(`static/i18n/${lang}.json`))
    .then(r => { if (!r.ok) throw new Error(`static/i18n/${lang}.json: HTTP ${r.status}`); return r.json(); })
    .then(m => {
      messages = m;
      document.documentElement.lang = lang;
      translate();
      langSwitch();
    });

  // The caller's API token (greenreach token create), kept in this
  // browser's localStorage and sent as Authorization: Bearer.
  const token = () => localStorage.getItem('gr_token') || '';
  // url is the absolute URL of a path relative to the service's root (the
  // pages' directory), as MapLibre's sources and workers need.
  function url(path) { return new URL(path, document.baseURI).href; }

  // authImages shows the images under el whose data-src needs the token
  // (case photos): each fetched with it, then shown from memory.
  function authImages(el, selector = 'img[data-src]') {
    el.querySelectorAll(selector).forEach(async (img) => {
      const r = await fetch(url(img.dataset.src), { headers: auth() });
      if (r.ok) img.src = URL.createObjectURL(await r.blob());
    });
  }

  function auth(headers = {}) {
    const t = token();
    return t ? Object.assign({ Authorization: 'Bearer ' + t }, headers) : headers;
  }
  // A key icon drawn inline, so it shows without an emoji font.
  const keyIcon = '<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">' +
    '<circle cx="7.5" cy="15.5" r="4.5" fill="none" stroke="currentColor" stroke-width="2"/>' +
    '<path d="M10.7 12.3 20 3M16 7l3 3M13.5 9.5l2 2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>';
  // tokenButton adds a key button to the header bar; it opens a small
  // dialog (password field, sign in / sign out / cancel) to set or clear
  // the token.
  function tokenButton() {
    const nav = document.querySelector('.nav');
    if (!nav) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'token';
    b.setAttribute('aria-haspopup', 'dialog');
    b.innerHTML = keyIcon + `<span class="label">${esc(token() ? t('token.signedIn') : t('token.button'))}</span>`;
    b.title = t('token.title');
    const dlg = document.createElement('dialog');
    dlg.className = 'token-dialog';
    dlg.setAttribute('aria-labelledby', 'token-heading');
    dlg.innerHTML = `<form method="dialog">
      <h2 id="token-heading">${esc(t('token.heading'))}</h2>
      <p class="hint">${t('token.hint')}</p>
      ${token() ? `<p class="hint">${esc(t('token.current'))}</p>` : ''}
      <label for="token-input">${esc(t('token.label'))}</label>
      <input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required>
      <div class="buttons">
        <button type="submit" value="save" class="primary">${esc(t('token.save'))}</button>
        ${token() ? `<button type="submit" value="clear" formnovalidate>${esc(t('token.clear'))}</button>` : ''}
        <button type="submit" value="cancel" formnovalidate>${esc(t('token.cancel'))}</button>
      </div></form>`;
    document.body.appendChild(dlg);
    const input = dlg.querySelector('input');
    b.addEventListener('click', () => { input.value = ''; dlg.showModal(); input.focus(); });
    // Act on the submit itself: a dialog's close event comes later, maybe
    // after it was opened again and typed into.
    dlg.querySelector('form').addEventListener('submit', (e) => {
      const action = e.submitter ? e.submitter.value : 'save';
      const v = input.value.trim();
      if (action === 'save' && v) localStorage.setItem('gr_token', v);
      else if (action === 'clear') localStorage.removeItem('gr_token');
      else return; // cancel: the dialog closes
      e.preventDefault();
      location.reload();
    });
    dlg.addEventListener('close', () => { if (!dlg.open) input.value = ''; });
    nav.appendChild(b);
  }

  // newMap makes a map fitted to the data's bounds.
  async function newMap(container, opts = {}) {
    if (typeof maplibregl === 'undefined') {
      document.getElementById('missing').hidden = false;
      throw new Error(t('error.noMapLib'));
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
      style: await loadStyle(opts.sources, opts.layers, source),
      bounds: [[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]],
      fitBoundsOptions: { padding: 20 },
      hash: true,
      localIdeographFontFamily: false, // CJK from the served glyphs too
      attributionControl: { compact: false, customAttribution: tj.attribution ? undefined : 'greenreach' },
      preserveDrawingBuffer: true, // screenshots in tests and for print
      locale: mapStrings(),
      // Our own tiles carry the token (coverage tiles need a planner's).
      transformRequest: (u) => (u.startsWith(url('./')) && token() ? { url: u, headers: auth() } : { url: u }),
    }, opts.map || {}));
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.addControl(new maplibregl.GeolocateControl({ trackUserLocation: false }), 'top-right');
    return map;
  }

  // mapStrings: MapLibre's own control labels in the reader's language.
  function mapStrings() {
    const out = {};
    for (const k of Object.keys(messages)) if (k.startsWith('maplibre.')) out[k.slice(9)] = messages[k];
    return out;
  }

  function area(m2) {
    if (m2 == null) return '';
    const sq = num(Math.round(m2));
    return m2 >= 10000 ? t('area.ha', { ha: (m2 / 10000).toFixed(2), m2: sq }) : t('area.m2', { m2: sq });
  }
  function metres(m) { return m >= 1000 ? t('dist.km', { km: (m / 1000).toFixed(2) }) : t('dist.m', { m: Math.round(m) }); }
  function esc(s) { return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }
  function kind(k) { return has('kind.' + k) ? t('kind.' + k) : (k || ''); }
  // level names an administrative level (区, 街道, 社区); unitName is a
  // unit's name, the whole city's in the reader's language.
  function level(l) { return has('level.' + l) ? t('level.' + l) : (l || ''); }
  function unitName(u) { return u.level === 'city' ? t('unit.city') : u.unit; }
  // rule gives a rule's title, description and source in the reader's
  // language, from the catalogue by the rule's id; a rule the catalogue
  // does not know keeps the server's words.
  function rule(r) {
    const k = `rule.${r.id}.`;
    return {
      title: has(k + 'title') ? t(k + 'title') : r.title,
      desc: has(k + 'desc') ? t(k + 'desc') : (has('measure.' + r.type) ? t('measure.' + r.type) : r.measure || ''),
      source: has(k + 'source') ? t(k + 'source') : r.source || '',
      known: has(k + 'title'),
    };
  }
  // problem turns an API error answer (problem+json) into an Error whose
  // message is the catalogue's for its title (else its status); the
  // server's own words stay in .detail.
  function problem(status, body) {
    body = body || {};
    const slug = String(body.title || '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
    const key = ['problem.' + slug, status === 401 ? 'problem.unauthorized' : status === 403 ? 'problem.forbidden' : ''].find(has);
    const msg = key ? t(key) : t('problem.other', { status });
    return Object.assign(new Error(msg), { status, body, detail: [body.title, body.detail].filter(Boolean).join(': ') });
  }
  // errorHTML shows an error: our message, and the server's detail (in
  // English, so marked lang="en") beside it.
  function errorHTML(err) {
    const d = err && err.detail ? ` <small class="api-detail" lang="en">${esc(err.detail)}</small>` : '';
    return `<span class="error">${esc(err && err.message || err)}</span>${d}`;
  }
  async function json(url, init) {
    let r;
    try {
      r = await fetch(url, Object.assign({}, init, { headers: auth((init || {}).headers) }));
    } catch (e) {
      throw Object.assign(new Error(t('problem.network')), { detail: String(e.message || e) });
    }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw problem(r.status, body);
    return body;
  }
  return {
    loadStyle, newMap, area, metres, esc, kind, level, unitName, rule, json, problem, errorHTML, green, auth, authImages, token, tokenButton, url,
    lang, t, tHTML, dataHTML, has, translate, num, date, ready, missing, beforeSwitch, switchLang,
  };
})();
