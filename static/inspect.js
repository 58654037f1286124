// The inspector's phone page (巡查上报): the place from the browser's
// position (adjustable on the map), a category, a photo from the camera and
// a note, sent to POST /api/cases as multipart with the token. Every report
// goes into a queue in IndexedDB first and leaves it only once the service
// has stored it (its key the Idempotency-Key, so a retry never stores it
// twice), so what is typed without network is sent when it returns
// (the online event, and a retry every little while). The page itself
// opens without network once it has been opened with: its service worker
// (sw-inspect.js, registered here only, its scope this page) keeps its
// shell; the map's tiles are not kept, so offline the page says the map
// is unavailable and reports from the phone's position.
'use strict';

(async () => {
  // The worker first: a page that fails further on still becomes one
  // that opens offline. (Browsers have workers on https and localhost.)
  const shell = !('serviceWorker' in navigator) ? Promise.resolve(null) :
    navigator.serviceWorker.register(GR.url('static/sw-inspect.js'), { scope: GR.url('inspect') })
      .then(() => navigator.serviceWorker.ready, err => { console.warn('the page will not open offline:', err); return null; });
  await GR.ready;
  const t = GR.t;
  GR.tokenButton();
  const $ = (id) => document.getElementById(id);
  const state = window.__gr = { ready: false, point: null, queue: [], sent: [], categories: null, offlineShell: null };
  // offlineShell: the worker's state ('activated': the page opens
  // offline); without one (plain http, an old browser) the page says so.
  shell.then(reg => {
    const w = reg && reg.active;
    const note = () => { state.offlineShell = w ? w.state : 'none'; };
    note();
    if (w) w.addEventListener('statechange', note);
    $('no-offline').hidden = !!w;
  });

  // Bounds of what this browser keeps: reports waiting, their photos'
  // bytes, a photo's longest side after downscaling, the photo size above
  // which it is downscaled, and the recent reports remembered.
  const maxQueued = 30, maxQueuedBytes = 40 << 20, maxSide = 1600, shrinkAbove = 1 << 20, maxPhotoBytes = 8 << 20, maxMine = 20;
  const retryMs = 15000;

  // ---- The queue: IndexedDB, one record per report, the photo a Blob ----
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('greenreach-inspect', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('queue', { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  function store(mode, fn) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction('queue', mode);
      const r = fn(tx.objectStore('queue'));
      tx.oncomplete = () => resolve(r && r.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
  const queueAll = async () => ((await store('readonly', s => s.getAll())) || []).sort((a, b) => a.created - b.created);
  const queuePut = (rec) => store('readwrite', s => s.put(rec));
  const queueDelete = (key) => store('readwrite', s => s.delete(key));

  // ---- My recent reports: ids in localStorage, states from the API ----
  const mineKey = 'gr_inspect_mine';
  const mine = () => { try { return JSON.parse(localStorage.getItem(mineKey)) || []; } catch { return []; } };
  function remember(k) {
    const list = [{ id: k.id, category: k.category, at: k.reported }, ...mine().filter(m => m.id !== k.id)].slice(0, maxMine);
    localStorage.setItem(mineKey, JSON.stringify(list));
  }

  // ---- Categories in the page's language (kept for a load without network) ----
  const catKey = 'gr_inspect_categories_' + GR.lang;
  let cats;
  try {
    cats = await GR.json(`api/cases/categories?lang=${GR.lang}`);
    localStorage.setItem(catKey, JSON.stringify(cats));
  } catch (err) {
    cats = JSON.parse(localStorage.getItem(catKey) || 'null');
    if (!cats) throw err;
  }
  state.categories = cats;
  const catName = (code) => (cats.categories.find(c => c.code === code) || { name: code }).name;
  const stateName = (code) => (cats.states.find(s => s.code === code) || { name: code }).name;
  const groups = new Map();
  for (const c of cats.categories) {
    if (!groups.has(c.group)) groups.set(c.group, { name: c.group_name, list: [] });
    groups.get(c.group).list.push(c);
  }
  $('category').insertAdjacentHTML('beforeend', [...groups.values()].map(g =>
    `<optgroup label="${GR.esc(g.name)}">${g.list.map(c => `<option value="${GR.esc(c.code)}">${GR.esc(c.name)}</option>`).join('')}</optgroup>`).join(''));

  // ---- The place: the browser's position, adjusted on the map ----
  let map = null, marker = null, placed = false;
  function setPoint(lon, lat, accuracy) {
    state.point = { lon: +lon.toFixed(7), lat: +lat.toFixed(7) };
    $('position').textContent = t('ins.at', { lon: lon.toFixed(5), lat: lat.toFixed(5) }) +
      (accuracy != null ? ' ' + t('ins.accuracy', { m: Math.round(accuracy) }) : '');
    if (marker) { marker.setLngLat([lon, lat]); if (!placed) { marker.addTo(map); placed = true; } }
  }
  function locate() {
    if (!navigator.geolocation) { $('position').textContent = t('ins.noGeolocation'); return; }
    $('position').textContent = t('ins.locating');
    navigator.geolocation.getCurrentPosition((p) => {
      setPoint(p.coords.longitude, p.coords.latitude, p.coords.accuracy);
      if (map) map.jumpTo({ center: [p.coords.longitude, p.coords.latitude], zoom: Math.max(map.getZoom(), 16) });
      state.located = true;
    }, (e) => {
      $('position').textContent = t('ins.locateFailed', { msg: e.message || e.code });
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
  }
  $('locate').addEventListener('click', locate);
  locate();

  // ---- The photo: previewed, downscaled when large ----
  let photo = null; // { blob, name }
  async function shrink(file) {
    if (file.size <= shrinkAbove) return file;
    let bmp;
    try {
      bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch {
      return file; // not decodable here (HEIC, say): the service decides
    }
    const s = Math.min(1, maxSide / Math.max(bmp.width, bmp.height));
    const c = document.createElement('canvas');
    c.width = Math.round(bmp.width * s);
    c.height = Math.round(bmp.height * s);
    c.getContext('2d').drawImage(bmp, 0, 0, c.width, c.height);
    bmp.close();
    const blob = await new Promise(r => c.toBlob(r, 'image/jpeg', 0.82));
    return blob && blob.size < file.size ? blob : file;
  }
  // photoReady settles when the chosen photo is downscaled: a report
  // sent at once waits for it.
  let photoReady = Promise.resolve();
  $('photo').addEventListener('change', () => { photoReady = takePhoto(); });
  async function takePhoto() {
    const f = $('photo').files[0];
    photo = null;
    $('preview').hidden = true;
    if (!f) return;
    const blob = await shrink(f);
    if (blob.size > maxPhotoBytes) {
      $('status').innerHTML = GR.errorHTML(t('ins.photoTooLarge', { mb: (blob.size / 1048576).toFixed(1), max: maxPhotoBytes >> 20 }));
      $('photo').value = '';
      return;
    }
    photo = { blob, name: blob === f ? f.name : 'photo.jpg' };
    state.photo = { bytes: blob.size, original: f.size, type: blob.type };
    const old = $('preview').src;
    $('preview').src = URL.createObjectURL(blob);
    if (old.startsWith('blob:')) URL.revokeObjectURL(old);
    $('preview').alt = t('ins.previewAlt');
    $('preview').hidden = false;
  }

  // ---- Sending the queue ----
  // One sender at a time, across this browser's tabs too (Web Locks where
  // there are), so that no report is posted twice.
  let sending = null;
  function flush() {
    if (!sending) {
      const before = state.sent.length;
      const run = () => send().catch(err => console.warn(err)).then(() => {
        const n = state.sent.length - before;
        if (n > 0) $('status').textContent = t('ins.sentWaiting', { n });
      });
      sending = (navigator.locks ? navigator.locks.request('greenreach-inspect-send', run) : run())
        .finally(() => { sending = null; render(); });
    }
    return sending;
  }
  // A refusal the report itself earned (bad category, a place outside the
  // city, a photo that is not one) will not change on a retry: the report
  // stays, marked, for the inspector to see and discard; anything else
  // (no network, the service busy or down, the token) is retried later.
  const retryable = (status) => status >= 500 || [401, 403, 408, 425, 429].includes(status);
  // Each report goes with its queue key as its Idempotency-Key: if an
  // earlier try reached the service but its answer was lost, the service
  // answers the case it stored (200), not a second one.
  async function send() {
    for (const rec of await queueAll()) {
      if (rec.failed) continue;
      if (navigator.onLine === false) return;
      const fd = new FormData();
      fd.append('data', new Blob([JSON.stringify(rec.data)], { type: 'application/json' }));
      if (rec.photo) fd.append('photo', rec.photo, rec.name || 'photo.jpg');
      let r;
      try {
        r = await fetch(GR.url('api/cases'), { method: 'POST', headers: GR.auth({ 'Idempotency-Key': rec.key }), body: fd });
      } catch (e) {
        return; // no network: kept, sent on the next try
      }
      const body = await r.json().catch(() => ({}));
      if (r.ok) {
        await queueDelete(rec.key);
        remember(body);
        state.sent.push({ key: rec.key, id: body.id, repeat: r.status === 200 });
        continue;
      }
      const err = GR.problem(r.status, body);
      if (r.status === 401) err.message = t('ins.needToken');
      rec.error = err.message + (err.detail ? ' — ' + err.detail : '');
      if (!retryable(r.status)) rec.failed = true;
      await queuePut(rec);
      if (!rec.failed) return;
    }
  }
  window.addEventListener('online', flush);
  setInterval(() => { if (state.queue.some(q => !q.failed)) flush(); }, retryMs);

  // ---- The form ----
  $('report').addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = $('status');
    status.textContent = '';
    await photoReady;
    if (!state.point) { status.innerHTML = GR.errorHTML(t('ins.needPlace')); return; }
    if (!$('category').value) { status.innerHTML = GR.errorHTML(t('ins.needCategory')); $('category').focus(); return; }
    const queued = await queueAll();
    const bytes = queued.reduce((n, q) => n + (q.photo ? q.photo.size : 0), 0) + (photo ? photo.blob.size : 0);
    if (queued.length >= maxQueued || bytes > maxQueuedBytes) {
      status.innerHTML = GR.errorHTML(t('ins.queueFull', { n: maxQueued, mb: maxQueuedBytes >> 20 }));
      return;
    }
    const rec = {
      key: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
      created: Date.now(),
      data: { category: $('category').value, lon: state.point.lon, lat: state.point.lat, description: $('note').value.trim() },
      photo: photo ? photo.blob : null,
      name: photo ? photo.name : '',
    };
    await queuePut(rec);
    $('note').value = '';
    $('photo').value = '';
    $('preview').hidden = true;
    photo = null;
    status.textContent = t('ins.sending');
    await flush();
    const left = (await queueAll()).find(q => q.key === rec.key);
    status.innerHTML = !left ? GR.esc(t('ins.sent')) : left.failed ? GR.errorHTML(t('ins.refused', { msg: left.error })) : GR.esc(t('ins.keptOffline'));
  });

  // ---- What the page shows: the queue and my recent reports ----
  async function render() {
    const q = await queueAll();
    state.queue = q.map(r => ({ key: r.key, category: r.data.category, failed: !!r.failed, error: r.error || '' }));
    const waiting = q.filter(r => !r.failed).length;
    const el = $('queue');
    el.hidden = q.length === 0;
    el.innerHTML = (waiting ? `<strong>${GR.esc(t('ins.waiting', { n: waiting }))}</strong> <button type="button" id="retry">${GR.esc(t('ins.retry'))}</button>` : '') +
      `<ul class="queued">${q.map(r => `<li data-key="${GR.esc(r.key)}">${GR.esc(catName(r.data.category))} · ${GR.esc(GR.date(r.created))}` +
        (r.failed ? ` <span class="error">${GR.esc(t('ins.refused', { msg: r.error }))}</span> <button type="button" class="discard">${GR.esc(t('ins.discard'))}</button>` :
          r.error ? ` <small class="hint">${GR.esc(r.error)}</small>` : '') + '</li>').join('')}</ul>`;
    const retry = el.querySelector('#retry');
    if (retry) retry.addEventListener('click', flush);
    el.querySelectorAll('.discard').forEach(b => b.addEventListener('click', async () => {
      await queueDelete(b.closest('li').dataset.key);
      render();
    }));
    await renderMine();
  }
  async function renderMine() {
    const list = mine();
    const states = await Promise.all(list.slice(0, 10).map(m =>
      navigator.onLine === false ? null : GR.json(`api/cases/${m.id}`).then(k => k.state, () => null)));
    // The last state read is kept, to show while offline (merged into the
    // list as it is now: a report may have been sent meanwhile).
    const known = new Map(list.map((m, i) => [m.id, states[i] || m.state || null]));
    localStorage.setItem(mineKey, JSON.stringify(mine().map(m => Object.assign(m, known.get(m.id) ? { state: known.get(m.id) } : {}))));
    list.forEach((m, i) => { states[i] = known.get(m.id); });
    state.mine = list.map((m, i) => ({ id: m.id, state: states[i] || null }));
    $('mine').innerHTML = list.length ? list.map((m, i) =>
      `<li><span class="case-id">#${m.id}</span> ${GR.esc(catName(m.category))} <span class="state state-${GR.esc(states[i] || 'unknown')}">${GR.esc(states[i] ? stateName(states[i]) : t('ins.stateUnknown'))}</span>` +
      ` <small class="hint">${GR.esc(GR.date(m.at))}</small></li>`).join('') : `<li class="hint">${GR.esc(t('ins.none'))}</li>`;
  }
  await render();
  flush();

  // ---- The map: last, as a page without it still reports ----
  // Without network (its style and tiles are not kept offline) the page
  // says so, hides the map, and draws it when the network returns (the
  // online event; a service out of reach with the phone online, a retry).
  function mapOffline(off) {
    state.mapOffline = off;
    $('map').hidden = off;
    $('adjust').hidden = off;
    $('map-offline').hidden = !off;
  }
  async function loadMap() {
    mapOffline(false);
    let m;
    try {
      m = await GR.newMap('map', { map: { hash: false } });
    } catch (err) {
      console.warn(err);
      if (navigator.onLine === false) {
        mapOffline(true);
        window.addEventListener('online', loadMap, { once: true });
      } else if (err instanceof TypeError) { // fetch's network error
        mapOffline(true);
        setTimeout(loadMap, retryMs);
      }
      return;
    }
    map = state.map = m;
    marker = new maplibregl.Marker({ draggable: true, color: '#e65100' });
    placed = false;
    if (state.point) {
      setPoint(state.point.lon, state.point.lat);
      map.jumpTo({ center: [state.point.lon, state.point.lat], zoom: 17 });
    }
    const place = (ll) => { setPoint(ll.lng, ll.lat); state.adjusted = true; };
    marker.on('dragend', () => place(marker.getLngLat()));
    map.on('click', (e) => place(e.lngLat));
    await new Promise(r => map.loaded() ? r() : map.once('load', r));
  }
  try {
    await loadMap();
  } catch (err) {
    console.warn(err);
  }
  state.ready = true;
})().catch(err => {
  console.error(err);
  (window.__gr || {}).fatal = String(err.message || err);
  document.getElementById('status').innerHTML = GR.errorHTML(err);
});
