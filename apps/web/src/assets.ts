/**
 * The page's stylesheet and script, served as files from /assets/ so the Content-Security-Policy can
 * forbid inline script and style (a speech that slipped past escaping still could not run).
 * No build step: plain CSS and a small script that any browser of the last years runs.
 */

export const CSS = `
:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #fafafa; --muted: #5d5d66; --card: #fff;
  --line: #d9d9de; --accent: #2456c9; --ok: #1c7c3c; --warn: #9a5b00; --bad: #b42318; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececf1; --bg: #16161a; --muted: #a3a3ad; --card: #1f1f25;
  --line: #3a3a44; --accent: #7aa2ff; --ok: #5fd38a; --warn: #f0b35a; --bad: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
main.wide { max-width: 80rem; }
h1 { font-size: 1.35rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .9rem 1rem; margin: .75rem 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: .92rem; }
.answers { list-style: none; padding: 0; margin: .5rem 0; }
.answers li { margin: .35rem 0; }
.letter { font-weight: 700; margin-right: .35rem; }
.entry h3 { font-size: .95rem; margin: 0 0 .4rem; color: var(--muted); }
.entry .text { white-space: pre-wrap; }
.quote { background: rgba(36, 86, 201, .12); border-radius: 3px; padding: 0 .15rem; quotes: "«" "»"; }
.quotes { list-style: none; padding: 0; margin: .5rem 0 0; font-size: .92rem; }
.q-verified { color: var(--ok); } .q-partial { color: var(--warn); } .q-unverified { color: var(--bad); }
.notice { border-radius: 8px; padding: .7rem .9rem; margin: .75rem 0; border: 1px solid var(--line); }
.notice.info { border-color: var(--accent); } .notice.warn { border-color: var(--warn); } .notice.error { border-color: var(--bad); }
form { margin: .5rem 0; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
label { display: block; margin: .6rem 0 .25rem; font-weight: 600; }
select, input[type=text], input[type=number], textarea { font: inherit; width: 100%; padding: .55rem; border-radius: 8px;
  border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
textarea { min-height: 8rem; }
button, .button { font: inherit; padding: .6rem 1rem; border-radius: 8px; border: 1px solid var(--accent); background: transparent;
  color: var(--accent); cursor: pointer; text-decoration: none; display: inline-block; min-height: 44px; }
button.primary, .button.primary { background: var(--accent); color: var(--bg); }
details summary { cursor: pointer; font-weight: 600; }
.story { white-space: pre-wrap; max-height: 60vh; overflow: auto; }
.code { font: 700 1.6rem ui-monospace, monospace; letter-spacing: .12em; }
#live { position: sticky; bottom: 0; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; display: block; overflow-x: auto; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
`;

/**
 * Measures what the quality control needs from the browser during a person's turn (told to
 * them in the consent): seconds the turn's screen was open, of them hidden, and characters pasted.
 * A turn can span pages (the credence, then the choice after it), so the totals are kept per turn in
 * sessionStorage and sent with every form of the turn. Then listens for "your turn" and new speeches.
 */
export const JS = `(() => {
  const body = document.body;
  const turn = body.dataset.turn;
  const key = turn ? 'ov-att:' + turn : null;
  const load = () => { try { return JSON.parse(sessionStorage.getItem(key)) || { open: 0, hidden: 0, pasted: 0 }; } catch { return { open: 0, hidden: 0, pasted: 0 }; } };
  let since = performance.now();
  let hiddenSince = document.visibilityState === 'hidden' ? since : null;
  let pagePasted = 0, pageHidden = 0;
  document.addEventListener('visibilitychange', () => {
    const now = performance.now();
    if (document.visibilityState === 'hidden') hiddenSince = now;
    else if (hiddenSince !== null) { pageHidden += now - hiddenSince; hiddenSince = null; }
  });
  document.addEventListener('paste', (e) => {
    const text = e.clipboardData ? e.clipboardData.getData('text') : '';
    pagePasted += text.length;
  });
  const totals = () => {
    const now = performance.now();
    const stored = load();
    const hidden = pageHidden + (hiddenSince !== null ? now - hiddenSince : 0);
    return { open: stored.open + (now - since) / 1000, hidden: stored.hidden + hidden / 1000, pasted: stored.pasted + pagePasted };
  };
  let dirty = false;
  let saved = false;
  document.addEventListener('input', () => { dirty = true; });
  for (const form of document.querySelectorAll('form')) {
    form.addEventListener('submit', () => {
      if (form.dataset.sent) return;
      form.dataset.sent = '1';
      for (const b of form.querySelectorAll('button')) setTimeout(() => { b.disabled = true; }, 0);
      if (!key || !form.dataset.turn) return;
      const t = totals();
      saved = true;
      try { sessionStorage.setItem(key, JSON.stringify(t)); } catch {}
      const add = (name, value) => { const i = document.createElement('input'); i.type = 'hidden'; i.name = name; i.value = value; form.appendChild(i); };
      add('att_open', t.open.toFixed(1));
      add('att_hidden', t.hidden.toFixed(1));
      add('att_paste', String(t.pasted));
    });
  }
  window.addEventListener('pagehide', () => {
    if (!key || saved) return;
    try { sessionStorage.setItem(key, JSON.stringify(totals())); } catch {}
  });
  // The seat is held while the page is visible and the person has touched it within the idle time.
  const aliveUrl = body.dataset.alive;
  if (aliveUrl) {
    let lastInput = performance.now();
    for (const type of ['pointerdown', 'keydown', 'scroll', 'touchstart', 'input'])
      document.addEventListener(type, () => { lastInput = performance.now(); }, { passive: true });
    const idle = Number(body.dataset.idleMs);
    setInterval(() => {
      if (document.visibilityState !== 'visible' || performance.now() - lastInput > idle) return;
      fetch(aliveUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }).catch(() => {});
    }, Number(body.dataset.aliveMs));
  }
  const events = body.dataset.events;
  if (!events || !window.EventSource) return;
  const version = body.dataset.version;
  const source = new EventSource(events);
  source.addEventListener('update', (e) => {
    let data; try { data = JSON.parse(e.data); } catch { return; }
    if (data.version === version) return;
    if (!dirty) { source.close(); location.assign(body.dataset.here); return; }
    const live = document.getElementById('live');
    if (live) live.hidden = false;
  });
})();
`;
