// The search box: matches the words typed against window.SEARCH_INDEX (search_index.js, written by tools/build_docs.py).
(function () {
  const box = document.getElementById('search'), list = document.getElementById('search-results');
  if (!box || !list || !window.SEARCH_INDEX) return;
  const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  function run() {
    const words = box.value.toLowerCase().split(/\s+/).filter(w => w.length > 1);
    list.innerHTML = '';
    if (!words.length) { list.classList.remove('open'); return; }
    const hits = [];
    for (const e of window.SEARCH_INDEX) {
      const hay = (e.t + ' ' + e.s + ' ' + e.x).toLowerCase(); let score = 0, ok = true;
      for (const w of words) { if (!hay.includes(w)) { ok = false; break; }
        score += (e.s.toLowerCase().includes(w) ? 5 : 0) + (e.t.toLowerCase().includes(w) ? 2 : 0) + 1; }
      if (ok) hits.push([score, e]);
    }
    hits.sort((a, b) => b[0] - a[0]);
    for (const [, e] of hits.slice(0, 20)) {
      const i = e.x.toLowerCase().indexOf(words[0]), start = Math.max(0, i - 60);
      const li = document.createElement('li');
      li.innerHTML = '<a href="' + e.p + '"><div class="s">' + esc(e.s) + ' <small>— ' + esc(e.t) + '</small></div><div class="x">'
        + esc((start ? '…' : '') + e.x.slice(start, start + 160)) + '…</div></a>';
      list.appendChild(li);
    }
    if (!hits.length) list.innerHTML = '<li><a>No results</a></li>';
    list.classList.add('open');
  }
  box.addEventListener('input', run);
  box.addEventListener('keydown', ev => { if (ev.key === 'Escape') { box.value = ''; run(); }
    if (ev.key === 'Enter') { const a = list.querySelector('a[href]'); if (a) location.href = a.href; } });
  document.addEventListener('click', ev => { if (!list.contains(ev.target) && ev.target !== box) list.classList.remove('open'); });
})();
