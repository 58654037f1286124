// A responsible unit's page (责任单位): the cases dispatched to the unit of
// the page's token (GET /api/cases answers a unit's token with its own
// only), open ones first, overdue flagged, each with its deadline; the
// selected case with its history, and 处置 (handle: a note and a photo)
// or 退回 (return, with a note) sent with If-Match — a case someone moved
// meanwhile answers 412, which the page says plainly and shows the case as
// it is now. Above the list, the unit's line of this month's assessment.
'use strict';

(async () => {
  await GR.ready;
  const t = GR.t;
  GR.tokenButton();
  const $ = (id) => document.getElementById(id);
  const state = window.__gr = { ready: false, list: [], selected: null, conflicts: 0, steps: 0 };
  const maxList = 1000;
  const open = ['registered', 'dispatched', 'handled', 'verified'];

  const cats = await GR.json(`api/cases/categories?lang=${GR.lang}`);
  const label = (list, code) => (list.find(x => x.code === code) || { name: code }).name;
  const catName = (c) => label(cats.categories, c);
  const stateName = (s) => label(cats.states, s);
  const actionName = (a) => label(cats.actions, a);
  const pts = (v) => GR.num(v, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  // order: the cases waiting for the unit (dispatched) first, then the
  // other open ones, overdue before the rest and the nearest deadline
  // first; closed ones last, newest first.
  function order(a, b) {
    const rank = (k) => k.state === 'dispatched' ? 0 : open.includes(k.state) ? 1 : 2;
    return rank(a) - rank(b) || (b.overdue - a.overdue) ||
      (rank(a) < 2 ? (Date.parse(a.deadline || '9999-01-01') - Date.parse(b.deadline || '9999-01-01')) : 0) || b.id - a.id;
  }

  async function load() {
    $('count').textContent = t('board.loading');
    let out;
    try {
      out = await GR.json(`api/cases?limit=${maxList}`);
    } catch (err) {
      if (err.status === 401) err.message = t('unit.needToken');
      $('count').innerHTML = GR.errorHTML(err);
      state.list = [];
      renderList();
      throw err;
    }
    state.list = out.cases.sort(order);
    renderList();
    state.loaded = (state.loaded || 0) + 1;
  }

  function renderList() {
    const shown = $('f-open').checked ? state.list.filter(k => open.includes(k.state)) : state.list;
    const overdue = state.list.filter(k => k.overdue).length;
    $('count').textContent = t('unit.count', { n: shown.length, overdue });
    state.shown = shown.map(k => k.id);
    const rows = shown.map(k => `<tr data-id="${k.id}" class="${state.selected && state.selected.id === k.id ? 'on' : ''}${k.overdue ? ' late' : ''}" tabindex="0">
      <td class="case-id">#${k.id}</td><td>${GR.esc(catName(k.category))}</td>
      <td><span class="state state-${GR.esc(k.state)}">${GR.esc(stateName(k.state))}</span>${k.overdue ? ` <span class="overdue">${GR.esc(t('board.overdueMark'))}</span>` : ''}</td>
      <td class="hint">${k.deadline ? GR.esc(GR.date(k.deadline)) : '–'}</td><td translate="no">${GR.esc(k.zone || '')}</td></tr>`);
    $('list').innerHTML = `<thead><tr><th>${GR.esc(t('board.id'))}</th><th>${GR.esc(t('board.category'))}</th><th>${GR.esc(t('board.state'))}</th>` +
      `<th>${GR.esc(t('board.deadline'))}</th><th>${GR.esc(t('board.zone'))}</th></tr></thead>` +
      `<tbody>${rows.join('') || `<tr><td colspan="5" class="hint">${GR.esc(t('unit.none'))}</td></tr>`}</tbody>`;
    $('list').querySelectorAll('tbody tr[data-id]').forEach(tr => {
      const go = () => select(+tr.dataset.id).catch(showError);
      tr.addEventListener('click', go);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
    });
  }

  // ---- This month's assessment line (Beijing time) ----
  async function assessment() {
    const bj = new Date(Date.now() + 8 * 3600e3);
    const month = `${bj.getUTCFullYear()}-${String(bj.getUTCMonth() + 1).padStart(2, '0')}`;
    try {
      const rep = await GR.json(`api/assessment?month=${month}`);
      const u = rep.units[0];
      state.assessment = u ? { month: rep.month, unit: u.unit, score: u.score, rank: u.rank } : { month: rep.month };
      $('assess').textContent = u ? t('unit.assess', { month: rep.month, score: pts(u.score), rank: u.rank, cases: u.cases, overdue: u.overdue, reopened: u.reopened }) +
        (rep.complete ? '' : ' ' + t('unit.assessSoFar')) : t('unit.assessNone', { month: rep.month });
    } catch (err) {
      state.assessment = { error: err.status || String(err.message) };
      $('assess').innerHTML = GR.errorHTML(err);
    }
  }

  // ---- The selected case ----
  async function select(id, message) {
    const k = await GR.json(`api/cases/${id}`);
    state.selected = k;
    const i = state.list.findIndex(x => x.id === k.id);
    if (i >= 0) state.list[i] = Object.assign({}, state.list[i], k, { history: undefined });
    renderList();
    renderDetail(k, message);
  }

  function renderDetail(k, message) {
    const el = $('detail');
    el.hidden = false;
    const dl = [
      [t('board.category'), GR.esc(catName(k.category))],
      [t('board.state'), `<span class="state state-${GR.esc(k.state)}">${GR.esc(stateName(k.state))}</span>${k.overdue ? ` <span class="overdue">${GR.esc(t('board.overdueMark'))}</span>` : ''}`],
      [t('board.deadline'), k.deadline ? GR.esc(GR.date(k.deadline)) : '–'],
      [t('board.description'), GR.dataHTML(k.description || '–')],
      [t('board.zone'), GR.dataHTML(k.zone || '–')],
      [t('unit.place'), GR.esc(`${k.lon.toFixed(5)}, ${k.lat.toFixed(5)}`)],
      [t('board.reported'), GR.esc(GR.date(k.reported))],
      k.reason ? [t('board.reason'), GR.dataHTML(k.reason)] : null,
    ].filter(Boolean).map(([dt, dd]) => `<dt>${GR.esc(dt)}</dt><dd>${dd}</dd>`).join('');
    // What a unit may do: handle or return a case dispatched to it.
    const forms = k.state !== 'dispatched' ? '' : `
      <form class="step" data-action="handle">
        <label class="field"><span>${GR.esc(t('unit.handleNote'))}</span><textarea name="note" rows="2" maxlength="1000" required></textarea></label>
        <label class="field"><span>${GR.esc(t('unit.handlePhoto'))}</span><input name="photo" type="file" accept="image/jpeg,image/png,image/webp" capture="environment" required></label>
        <button type="submit" class="primary">${GR.esc(actionName('handle'))}</button></form>
      <form class="step" data-action="return">
        <label class="field"><span>${GR.esc(t('unit.returnNote'))}</span><input name="note" maxlength="1000" required></label>
        <button type="submit">${GR.esc(actionName('return'))}</button></form>`;
    const hist = (k.history || []).map(e => `<li><span class="hint">${GR.esc(GR.date(e.at))}</span> ${GR.tHTML('board.by', { who: GR.dataHTML(e.who), action: GR.esc(actionName(e.action)) })}` +
      ` <small>${e.from ? GR.esc(stateName(e.from)) + ' ' : ''}→ ${GR.esc(stateName(e.to))}</small>` +
      `${e.note ? ' · ' + GR.dataHTML(e.note) : ''}` +
      `${e.photos.map(p => `<img class="thumb" data-src="api/cases/${k.id}/photos/${p}/thumb" alt="${GR.esc(t('board.photo'))}">`).join('')}</li>`).join('');
    el.innerHTML = `<h2>${GR.esc(t('board.case', { id: k.id }))}</h2>
      ${message ? `<p class="notice">${message}</p>` : ''}
      <dl class="case-fields">${dl}</dl>
      <h3>${GR.esc(t('board.actions'))}</h3>
      ${forms || `<p class="hint">${GR.esc(t('unit.noActions'))}</p>`}
      <p id="step-status" aria-live="polite"></p>
      <h3>${GR.esc(t('board.history'))}</h3><ol class="history">${hist}</ol>`;
    el.querySelectorAll('form.step').forEach(f => f.addEventListener('submit', (e) => { e.preventDefault(); step(k, f).catch(showError); }));
    GR.authImages(el, 'img.thumb'); // photos need the token
  }

  async function step(k, form) {
    const action = form.dataset.action;
    const note = form.querySelector('[name=note]').value.trim();
    const file = form.querySelector('[name=photo]');
    if (!note) {
      $('step-status').innerHTML = GR.errorHTML(t('unit.needNote'));
      form.querySelector('[name=note]').focus();
      return;
    }
    if (file && !file.files[0]) {
      $('step-status').innerHTML = GR.errorHTML(t('unit.needPhoto'));
      file.focus();
      return;
    }
    const fd = new FormData();
    fd.append('data', new Blob([JSON.stringify({ note })], { type: 'application/json' }));
    if (file) fd.append('photo', file.files[0], file.files[0].name || 'photo.jpg');
    form.querySelector('button').disabled = true;
    $('step-status').textContent = t('unit.sending');
    const r = await fetch(GR.url(`api/cases/${k.id}/${action}`), {
      method: 'POST', headers: GR.auth({ 'If-Match': `"v${k.version}"` }), body: fd,
    }).catch(() => null);
    if (!r) { form.querySelector('button').disabled = false; $('step-status').innerHTML = GR.errorHTML(t('problem.network')); return; }
    const out = await r.json().catch(() => ({}));
    if (r.status === 412) {
      // Someone moved the case on: say so, and show it as it is now.
      await load();
      await select(k.id, GR.esc(t('unit.conflict')));
      state.conflicts++; // counted once the page shows it (tests wait for it)
      return;
    }
    if (!r.ok) {
      form.querySelector('button').disabled = false;
      $('step-status').innerHTML = GR.errorHTML(GR.problem(r.status, out));
      return;
    }
    await load();
    await select(k.id, GR.esc(t('board.done', { action: actionName(action), state: stateName(out.state) })));
    state.steps++; // counted once the page shows it
  }
  function showError(err) {
    console.warn(err);
    const el = $('step-status') || $('count');
    el.innerHTML = GR.errorHTML(err);
  }

  $('f-open').addEventListener('change', renderList);
  await Promise.all([load().catch(() => {}), assessment()]);
  state.ready = true;
})().catch(err => {
  console.error(err);
  (window.__gr || {}).fatal = String(err.message || err);
  document.getElementById('count').innerHTML = GR.errorHTML(err);
});
