// Counts the letters of a page's own words, run inside the page: visible
// text and the title, placeholder and aria-label a person reads, leaving out
// data (anything marked translate="no": place, park, scenario and author
// names), the map's data attribution, and words in another language on
// purpose (a lang attribute other than the page's: the language switch's
// "English"/"中文", the server's own error detail). Han characters and Latin
// letters are counted; digits and symbols are not letters.
export function pageWords() {
  const docLang = document.documentElement.lang;
  const han = /\p{Script=Han}/gu, latin = /[A-Za-z]/g;
  const out = { lang: docLang, han: 0, latin: 0, latinSamples: [], hanSamples: [] };
  const excluded = (el) => {
    if (el.closest('[translate=no], .maplibregl-ctrl-attrib, script, style')) return true;
    const l = el.closest('[lang]');
    return l && l.lang !== docLang;
  };
  const shown = (el) => {
    const sel = el.closest('select');
    if (sel) el = sel; // an option is read in its select
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
    }
    return el.getClientRects().length > 0;
  };
  const add = (text) => {
    const h = (text.match(han) || []).length, l = (text.match(latin) || []).length;
    out.han += h; out.latin += l;
    if (l && out.latinSamples.length < 40) out.latinSamples.push(text.trim().slice(0, 80));
    if (h && out.hanSamples.length < 40) out.hanSamples.push(text.trim().slice(0, 80));
  };
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!n.nodeValue.trim() || !el || excluded(el) || !shown(el)) continue;
    add(n.nodeValue);
  }
  for (const el of document.body.querySelectorAll('[title], [placeholder], [aria-label]')) {
    if (excluded(el) || !shown(el)) continue;
    for (const a of ['title', 'placeholder', 'aria-label']) if (el.hasAttribute(a)) add(el.getAttribute(a));
  }
  add(document.title.replace(/greenreach/g, '')); // the product's name is a name
  out.chinese = out.han / Math.max(1, out.han + out.latin);
  out.english = out.latin / Math.max(1, out.han + out.latin);
  return out;
}
