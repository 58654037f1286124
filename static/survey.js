// The green-space survey (普查) on the map, for staff with a token: a
// clicked green space's survey record below its details, a form for the
// fields the token may edit (sent with If-Match; when someone saved first
// the page says so and offers the newer record), and the record's history.
// map.js calls GRSurvey.show(panel, id) when a green space is selected.
'use strict';

window.GRSurvey = (() => {
  const t = (k, v) => GR.t(k, v);
  // The survey fields in the schema's order, with how a form value is read.
  const fields = [
    { name: 'grade', label: 'survey.grade', type: 'int' },
    { name: 'unit', label: 'survey.unit', type: 'text' },
    { name: 'trees', label: 'survey.trees', type: 'int' },
    { name: 'shrub_m2', label: 'survey.shrub', type: 'real' },
    { name: 'lawn_m2', label: 'survey.lawn', type: 'real' },
  ];
  const label = (name) => t((fields.find(f => f.name === name) || { label: name }).label);
  // state is for the browser test: what the section shows and did.
  const state = window.__survey = { id: null, record: null, history: null, saved: 0, stale: 0, error: null, ready: false };
  GR.ready.then(() => GR.tokenButton());

  // value shows a field's value in the reader's language.
  function value(name, v, rec) {
    if (v == null || v === '') return t('survey.none');
    switch (name) {
      case 'grade': return t('survey.gradeN', { n: v });
      case 'unit': return rec && rec.unit_name ? `${rec.unit_name}（${v}）` : String(v);
      case 'trees': return t('survey.treesN', { n: GR.num(v) });
      default: return GR.area(v);
    }
  }

  // show fills the survey section of green space id into panel, if the
  // stored token may read surveys.
  async function show(panel, id) {
    state.id = id;
    state.ready = false;
    if (!GR.token()) { state.ready = true; return; }
    let sec = panel.querySelector('#survey');
    if (!sec) {
      sec = document.createElement('section');
      sec.id = 'survey';
      sec.className = 'survey';
      panel.appendChild(sec);
    }
    sec.innerHTML = `<h2>${GR.esc(t('survey.heading'))}</h2><p class="hint">${GR.esc(t('survey.loading'))}</p>`;
    try {
      const [rec, hist] = await Promise.all([GR.json(`api/survey/green/${id}`), GR.json(`api/survey/green/${id}/history?limit=50`)]);
      if (state.id !== id) return; // another green space was picked meanwhile
      render(sec, rec, hist.history);
    } catch (err) {
      if (state.id !== id) return;
      state.error = err.message;
      sec.innerHTML = `<h2>${GR.esc(t('survey.heading'))}</h2><p>${GR.errorHTML(err)}</p>`;
    }
    state.ready = true;
  }

  function render(sec, rec, history, notice) {
    state.record = rec;
    state.history = history;
    const rows = fields.map(f => `<dt>${GR.esc(label(f.name))}</dt><dd data-field="${f.name}">${GR.dataHTML(value(f.name, rec[f.name], rec))}</dd>`).join('');
    const form = rec.editable.length === 0 ? `<p class="hint">${GR.esc(t('survey.readOnly'))}</p>` : `<form id="survey-form" class="survey-form">
      ${rec.editable.map(name => input(name, rec)).join('')}
      <label>${GR.esc(t('survey.note'))} <input name="note" maxlength="500" autocomplete="off"></label>
      <button type="submit" class="primary">${GR.esc(t('survey.save'))}</button>
      <output id="survey-msg" role="status"></output></form>`;
    const items = history.map(e => `<li><span class="hint">${GR.esc(GR.date(e.at))} · ${GR.dataHTML(e.who)}</span><br>
      ${GR.esc(t('survey.change', { field: label(e.field), old: value(e.field, e.old), new: value(e.field, e.new) }))}
      ${e.note ? `<span class="hint">（${GR.dataHTML(e.note)}）</span>` : ''}</li>`).join('');
    sec.innerHTML = `<h2>${GR.esc(t('survey.heading'))}</h2>
      <dl class="survey-record">${rows}</dl>
      <p class="hint">${GR.esc(t('survey.version', { v: rec.version, date: GR.date(rec.updated) }))}</p>
      ${notice || ''}${form}
      <h3>${GR.esc(t('survey.history'))}</h3>
      ${history.length === 0 ? `<p class="hint">${GR.esc(t('survey.noHistory'))}</p>` : `<ol class="survey-history">${items}</ol>`}`;
    const f = sec.querySelector('#survey-form');
    if (f) f.addEventListener('submit', (ev) => { ev.preventDefault(); save(sec, rec, f); });
  }

  function input(name, rec) {
    const v = rec[name] == null ? '' : rec[name];
    const l = GR.esc(label(name));
    switch (name) {
      case 'grade':
        return `<label>${l} <select name="grade"><option value="">${GR.esc(t('survey.none'))}</option>${[1, 2, 3].map(n =>
          `<option value="${n}"${v === n ? ' selected' : ''}>${GR.esc(t('survey.gradeN', { n }))}</option>`).join('')}</select></label>`;
      case 'unit':
        return `<label>${l} <input name="unit" value="${GR.esc(v)}" maxlength="32" placeholder="${GR.esc(t('survey.unitHint'))}" autocomplete="off"></label>`;
      case 'trees':
        return `<label>${l} <input name="trees" type="number" min="0" max="1000000" step="1" value="${GR.esc(v)}"></label>`;
      default:
        return `<label>${l} <input name="${name}" type="number" min="0" max="${rec.area_m2}" step="any" value="${GR.esc(v)}"></label>`;
    }
  }

  // save sends the fields that differ from the record, with its version
  // as If-Match.
  async function save(sec, rec, form) {
    const msg = form.querySelector('#survey-msg');
    const body = {};
    for (const name of rec.editable) {
      const f = fields.find(x => x.name === name);
      const raw = form.elements[name].value.trim();
      const v = raw === '' ? null : f.type === 'text' ? raw : Number(raw);
      if (v !== (rec[name] ?? null)) body[name] = v;
    }
    if (Object.keys(body).length === 0) { msg.textContent = t('survey.nothing'); return; }
    const note = form.elements.note.value.trim();
    if (note) body.note = note;
    form.querySelector('button[type=submit]').disabled = true;
    let r;
    try {
      r = await fetch(`api/survey/green/${rec.id}`, {
        method: 'PATCH', body: JSON.stringify(body),
        headers: GR.auth({ 'Content-Type': 'application/json', 'If-Match': `"v${rec.version}"` }),
      });
    } catch (e) {
      msg.innerHTML = GR.errorHTML(Object.assign(new Error(t('problem.network')), { detail: String(e.message || e) }));
      form.querySelector('button[type=submit]').disabled = false;
      return;
    }
    const out = await r.json().catch(() => ({}));
    if (r.status === 412) {
      // Someone saved first: say so plainly, keep what was typed, and
      // offer the newer record.
      state.stale++;
      const err = GR.problem(r.status, out);
      msg.innerHTML = `<span class="stale">${GR.errorHTML(err)}</span> <button type="button" id="survey-reload">${GR.esc(t('survey.reload'))}</button>`;
      msg.querySelector('#survey-reload').addEventListener('click', () => show(sec.parentNode, rec.id));
      form.querySelector('button[type=submit]').disabled = false;
      return;
    }
    if (!r.ok) {
      state.error = out.title || String(r.status);
      msg.innerHTML = GR.errorHTML(GR.problem(r.status, out));
      form.querySelector('button[type=submit]').disabled = false;
      return;
    }
    state.saved++;
    const hist = await GR.json(`api/survey/green/${rec.id}/history?limit=50`);
    render(sec, out, hist.history, `<p class="ok" role="status">${GR.esc(t('survey.saved', { v: out.version }))}</p>`);
  }

  return { show };
})();
