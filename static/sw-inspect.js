// The inspection page's service worker: it keeps the page's own shell (the
// page, its scripts, styles, catalogues, icon and map library) so that an
// inspector opens /inspect without network, and serves that shell from its
// cache first. Everything else — the API, tiles, the map's style — goes to
// the network untouched: nothing carrying a token or a person's data is
// kept here (the page keeps its categories and its unsent reports itself).
// Registered by inspect.js only, its scope the page alone. The service
// fills in the shell and its version (static.InspectWorker): the version is
// a hash of the shell's bytes, so a release that changes any of them
// installs anew and the old cache is deleted.
'use strict';

const shell = ["GR_SHELL"];
const version = 'GR_VERSION';
const prefix = 'greenreach-inspect-';
const cacheName = prefix + version;

// The shell's URLs are relative to the service's root, the directory of
// the page this worker's scope names (which may sit under a proxy's prefix).
const root = new URL('./', self.registration.scope);
const page = new URL(shell[0], root).href;
const urls = new Set(shell.map(s => new URL(s, root).href));

// cacheable: only a whole, same-origin answer the service lets be stored.
function cacheable(r) {
  return r.status === 200 && r.type === 'basic' && !/(^|,)\s*no-store\s*(,|$)/i.test(r.headers.get('Cache-Control') || '');
}

// install keeps every file of the shell or fails (the previous version, if
// any, stays in charge): a shell with a hole would not open offline.
self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    const got = await Promise.all([...urls].map(async (u) => {
      const r = await fetch(u, { cache: 'no-cache', credentials: 'omit' });
      if (!cacheable(r)) throw new Error(`${u}: HTTP ${r.status}, not kept offline`);
      return [u, r];
    }));
    const c = await caches.open(cacheName);
    await Promise.all(got.map(([u, r]) => c.put(u, r)));
    await self.skipWaiting();
  })());
});

// activate deletes this worker's older shells, and nothing else.
self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) {
      if (k.startsWith(prefix) && k !== cacheName) await caches.delete(k);
    }
  })());
});

// fetch answers the page (whatever its query) and the shell's files from
// the cache, the network when they are missing; it leaves everything else,
// and anything sent with a token, to the browser.
self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' || req.headers.has('Authorization')) return;
  const u = new URL(req.url);
  let key;
  if (req.mode === 'navigate') {
    u.search = '';
    u.hash = '';
    if (u.href !== page) return;
    key = page;
  } else if (urls.has(req.url)) {
    key = req.url;
  } else {
    return;
  }
  e.respondWith((async () => {
    const hit = await caches.open(cacheName).then(c => c.match(key));
    return hit || fetch(req);
  })());
});
