# ruff: noqa: E501  (CSS and JS are kept readable, not wrapped at 100 columns)
"""The page's own CSS and the few lines of JavaScript it runs (no external resources)."""

from __future__ import annotations

FONT = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
        "sans-serif"]
FONT_MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]

# Runs once when the transcript mounts. Clicks are delegated: answers are re-rendered, the
# listener stays. Data attributes carry only ids and numbers, written by render.py.
# Under each answer: Copy as Markdown (the text render.py put in the page), and 👍 / 👎: a 👎
# makes each quote clickable ("this one answers"); Send vote triggers 'vote' with the
# turn's number, the vote, the marked quote's number (its place in the answer), "nothing
# answers" and the note. The server records it and renders the answer with what it said.
TRANSCRIPT_JS = r"""
const turnOf = (n) => n.closest('.ac-turn');
const said = (t, text) => { const s = t.querySelector('.ac-tool-said'); if (s) s.textContent = text; };
const copyText = async (text) => {
  try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* below */ }
  const area = document.createElement('textarea');
  area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed';
  area.style.opacity = '0'; document.body.appendChild(area); area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  area.remove();
  return ok;
};
const mark = (t, n) => {
  t.dataset.marked = n;
  t.querySelectorAll('[data-quote]').forEach((f) => {
    const on = f.dataset.quote === n;
    f.classList.toggle('ac-marked', on);
    const b = f.querySelector('.ac-mark');
    if (b) { b.setAttribute('aria-pressed', String(on)); b.textContent = on ? '✓ This one answers' : 'This one answers'; }
  });
  const none = t.querySelector('.ac-nothing');
  if (none) none.setAttribute('aria-pressed', String(n === 'none'));
};
const openVote = (t, vote) => {
  const form = t.querySelector('.ac-vote-form');
  if (!form) return;
  t.dataset.voting = vote;
  t.classList.toggle('ac-voting-down', vote === 'down');
  t.querySelectorAll('.ac-vote').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.vote === vote)));
  mark(t, '');
  form.hidden = false;
  t.querySelector('.ac-vote-hint').hidden = vote !== 'down';
  t.querySelector('.ac-nothing').hidden = vote !== 'down';
  said(t, vote === 'down' ? 'Which quote does answer? Click it, or “Nothing answers this”; then Send vote.' : 'Add a note if you like, then Send vote.');
};
const closeVote = (t) => {
  const form = t.querySelector('.ac-vote-form');
  if (form) form.hidden = true;
  t.classList.remove('ac-voting-down');
  delete t.dataset.voting;
  mark(t, '');
};
const sendVote = (t) => {
  if (element.querySelector('.ac-pending')) { said(t, 'Wait for the answer being searched, then send the vote.'); return; }
  const m = t.dataset.marked || '';
  const note = t.querySelector('.ac-vote-note');
  said(t, 'Sending the vote…');
  trigger('vote', {turn: Number(t.dataset.turn), vote: t.dataset.voting,
                   marked: /^\d+$/.test(m) ? Number(m) : null, nothing: m === 'none',
                   note: note ? note.value : ''});
};
element.addEventListener('click', (ev) => {
  const src = ev.target.closest('[data-doc]');
  if (src && element.contains(src)) {
    ev.preventDefault();
    element.querySelectorAll('.ac-active').forEach((n) => n.classList.remove('ac-active'));
    (src.closest('.ac-group') || src).classList.add('ac-active');
    trigger('source', {doc: src.dataset.doc || '', spans: src.dataset.spans || '',
                       focus: src.dataset.focus || '0'});
    return;
  }
  const ex = ev.target.closest('[data-example]');
  if (ex && element.contains(ex) && !ex.disabled) {
    trigger('example', {question: ex.dataset.example || ''});
    return;
  }
  const t = turnOf(ev.target);
  if (!t || !element.contains(t)) return;
  const copy = ev.target.closest('.ac-copy');
  if (copy) {
    const text = (t.querySelector('.ac-md-src') || {}).value || '';
    copyText(text).then((ok) => {
      copy.textContent = ok ? 'Copied ✓' : 'Copy failed';
      said(t, ok ? 'Copied as Markdown.' : 'Copying was refused by the browser: use Copy, cite, vote below.');
      setTimeout(() => { copy.textContent = 'Copy as Markdown'; }, 2500);
    });
    return;
  }
  const vote = ev.target.closest('.ac-vote');
  if (vote) { openVote(t, vote.dataset.vote); return; }
  if (ev.target.closest('.ac-cancel-vote')) { closeVote(t); said(t, ''); return; }
  if (ev.target.closest('.ac-send-vote')) { sendVote(t); return; }
  if (ev.target.closest('.ac-nothing')) { mark(t, t.dataset.marked === 'none' ? '' : 'none'); return; }
  const quote = ev.target.closest('[data-quote]');
  if (quote && t.classList.contains('ac-voting-down')) {
    if (window.getSelection && String(window.getSelection()).length > 0 && !ev.target.closest('.ac-mark')) return;  // selecting text
    mark(t, t.dataset.marked === quote.dataset.quote ? '' : quote.dataset.quote);
  }
});
element.addEventListener('keydown', (ev) => {
  const t = ev.target.closest && ev.target.closest('.ac-vote-note') && turnOf(ev.target);
  if (!t) return;
  if (ev.key === 'Enter') { ev.preventDefault(); sendVote(t); }
  if (ev.key === 'Escape') { ev.preventDefault(); closeVote(t); said(t, ''); }
});
const box = element.closest('#ac-transcript') || element;
let seen = '';
watch('value', () => {
  const turns = element.querySelectorAll('.ac-turn');
  const last = turns[turns.length - 1];
  if (!last) { box.scrollTop = 0; seen = ''; return; }
  // scroll only for a new question or its answer (not when a vote re-renders an answer)
  const key = turns.length + '|' + !!last.querySelector('.ac-pending') + '|' + (last.querySelector('.ac-bubble') || {}).textContent;
  if (key === seen) return;
  seen = key;
  const top = last.getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTop = box.scrollTop + top - 12;  // the new question at the top
});
"""

# On page load, before the kept conversations are read: gradio's BrowserState gives null (its
# default) when the entry in local storage does not decrypt or is not JSON, and leaves the
# entry as it was; the next save would overwrite it. This sets such an entry aside (up to 5,
# under UNREADABLE_KEY) and tells the server, which says so once.
KEPT_CHECK_JS = """(saved, probe) => {
  let raw = null;
  try { raw = localStorage.getItem('%(key)s'); } catch (e) { raw = null; }
  if (!raw || (saved !== null && saved !== undefined)) return [saved, ''];
  try {
    let aside = [];
    try { aside = JSON.parse(localStorage.getItem('%(aside)s') || '[]'); } catch (e) { aside = []; }
    if (!Array.isArray(aside)) aside = [];
    if (!aside.some((x) => x && x.entry === raw)) aside.push({entry: raw, set_aside: new Date().toISOString()});
    localStorage.setItem('%(aside)s', JSON.stringify(aside.slice(-5)));
  } catch (e) { /* storage full: the note still says it could not be read */ }
  return [saved, 'unreadable'];
}"""

# Runs when the article panel mounts, and again each time a new article is rendered in it.
ARTICLE_JS = r"""
const focus = (tries) => {
  const mark = element.querySelector('mark.ac-focus') || element.querySelector('mark');
  if (!mark) return;
  if (!mark.offsetParent && tries > 0) { setTimeout(() => focus(tries - 1), 60); return; }
  mark.scrollIntoView({block: 'center', inline: 'nearest'});
};
window.__acFocusArticle = () => focus(15);
watch('value', () => requestAnimationFrame(() => focus(15)));
requestAnimationFrame(() => focus(15));
"""

# Chained after the article handler: covers the panel's tab being shown in the same update.
SCROLL_ARTICLE_JS = "() => { setTimeout(() => window.__acFocusArticle && window.__acFocusArticle(), 80); }"

FOCUS_INPUT_JS = ("() => { setTimeout(() => document.querySelector("
                  "'#ac-question input, #ac-question textarea')?.focus(), 50); }")

# Rules for our own markup start with an id (%T transcript, %A article panel, %S index panel,
# %H header) so that they win over gradio's `.prose` typography. (Not `:is(...)`: gradio
# prefixes every comma-separated selector of custom CSS, including those inside `:is()`.)
_IDS = {"%T": "#ac-transcript", "%A": "#ac-article", "%S": "#ac-stats", "%H": "#ac-header"}
_CSS = r"""
.gradio-container { width: 100% !important; max-width: 1500px !important; margin: 0 auto !important; }
/* gradio pads the page by 32px a side; on a phone (390px) that is a sixth of the width */
.gradio-container > .main.app { padding-left: clamp(6px, 5vw - 14px, 32px) !important;
  padding-right: clamp(6px, 5vw - 14px, 32px) !important; }
#ac-header { align-items: center; gap: 12px; margin-bottom: 2px; flex-wrap: nowrap; }
#ac-brand { flex: 1 1 auto; }
#ac-status { flex: 0 1 auto; min-width: 0; }
#ac-transcript.block { height: calc(100vh - 200px); min-height: 380px; overflow-y: auto !important;
  border: 1px solid var(--border-color-primary); border-radius: 14px;
  background: var(--background-fill-secondary); padding: 18px 22px; }
#ac-input { align-items: stretch; gap: 8px; flex-wrap: nowrap; }
#ac-question input, #ac-question textarea { font-size: 1rem; padding: 12px 14px; }
#ac-send, #ac-clear { min-width: 88px; white-space: nowrap; flex: none; }
#ac-main, #ac-side { gap: 10px; }

%H .ac-brand { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
%H .ac-brand h1 { font-size: 1.35rem; font-weight: 750; margin: 0; letter-spacing: -0.015em; }
%H .ac-brand h1 span { color: var(--color-accent); }
%H .ac-brand p { margin: 0; color: var(--body-text-color-subdued); font-size: .9rem; }
%H .ac-status { display: flex; align-items: center; gap: 8px; justify-content: flex-end;
  font-size: .85rem; color: var(--body-text-color-subdued); white-space: nowrap; overflow: hidden; }
%H .ac-led { width: 9px; height: 9px; border-radius: 50%; background: #f59e0b; flex: none;
  box-shadow: 0 0 0 3px rgba(245, 158, 11, .18); }
%H .ac-status-ready .ac-led { background: #10b981; box-shadow: 0 0 0 3px rgba(16, 185, 129, .18); }
%H .ac-status-error { color: #b91c1c; white-space: normal; }
%H .ac-status-error .ac-led { background: #ef4444; box-shadow: 0 0 0 3px rgba(239, 68, 68, .18); }
%H .ac-status-busy .ac-led { animation: ac-pulse 1s ease-in-out infinite; }
%H .ac-progress, %T .ac-progress, #ac-manage-note .ac-progress { -webkit-appearance: none; appearance: none; width: 140px;
  height: 6px; border: none; border-radius: 999px; overflow: hidden; background: var(--border-color-primary); }
%H .ac-progress::-webkit-progress-bar, %T .ac-progress::-webkit-progress-bar,
#ac-manage-note .ac-progress::-webkit-progress-bar { background: var(--border-color-primary); }
%H .ac-progress::-webkit-progress-value, %T .ac-progress::-webkit-progress-value,
#ac-manage-note .ac-progress::-webkit-progress-value { background: var(--color-accent);
  border-radius: 999px; transition: width .3s; }
%H .ac-progress::-moz-progress-bar, %T .ac-progress::-moz-progress-bar,
#ac-manage-note .ac-progress::-moz-progress-bar { background: var(--color-accent); }
%H .ac-pct, %T .ac-pct, #ac-manage-note .ac-pct { font-variant-numeric: tabular-nums; font-size: .8rem; }
%H .ac-status-warn { color: #b45309; overflow: hidden; text-overflow: ellipsis; max-width: 40ch; }

%T .ac-welcome { max-width: 660px; margin: 8vh auto 0; text-align: center; }
%T .ac-welcome h2 { font-size: 1.6rem; margin: 0 0 10px; letter-spacing: -0.01em; }
%T .ac-welcome p { color: var(--body-text-color-subdued); line-height: 1.55; margin: 0; }
%T .ac-examples { display: flex; flex-wrap: wrap; gap: 8px; justify-content: center; margin-top: 26px; }
%T .ac-examples p { width: 100%; margin: 0 0 4px; font-size: .75rem; text-transform: uppercase;
  letter-spacing: .08em; }
%T .ac-example { border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  border-radius: 999px; padding: 7px 14px; font-size: .9rem; font-weight: 500; cursor: pointer;
  color: var(--body-text-color); transition: border-color .15s, box-shadow .15s, color .15s; }
%T .ac-example:hover:not([disabled]) { border-color: var(--color-accent); color: var(--color-accent);
  box-shadow: 0 2px 8px rgba(79, 70, 229, .12); }
%T .ac-example[disabled] { opacity: .5; cursor: not-allowed; }

%T .ac-preparing { margin: 28px auto 0; max-width: 420px; padding: 18px 22px; border-radius: 14px;
  background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  display: flex; flex-direction: column; gap: 8px; align-items: center; }
%T .ac-preparing p { margin: 0; }
%T .ac-preparing-bar { display: flex; gap: 10px; align-items: center; min-height: 8px; }
%T .ac-preparing-bar .ac-progress { width: 260px; }
%T .ac-preparing-error { border-color: rgba(239, 68, 68, .35); color: #b91c1c; }

%T .ac-turn { margin: 0 0 28px; }
%T .ac-user { display: flex; justify-content: flex-end; margin: 0 0 10px; }
%T .ac-bubble { background: var(--color-accent); color: #fff; padding: 9px 15px; max-width: 80%;
  border-radius: 16px 16px 4px 16px; line-height: 1.45; overflow-wrap: anywhere; }
%T .ac-answer { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-radius: 14px; padding: 14px 18px 10px; box-shadow: 0 1px 3px rgba(15, 23, 42, .05); }
%T .ac-answer-head { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 0 0 6px; }
%T .ac-badge { font-size: .78rem; font-weight: 650; padding: 3px 10px; border-radius: 999px; }
%T .ac-agree { background: rgba(16, 185, 129, .13); color: #047857; }
%T .ac-disputed { background: rgba(239, 68, 68, .12); color: #b91c1c; }
%T .ac-order { background: rgba(59, 130, 246, .12); color: #1d4ed8; }
%T .ac-time { font-size: .8rem; color: var(--body-text-color-subdued); margin: 0 0 6px; }
%T .ac-timeline { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 0; margin: 2px 0 8px;
  padding: 0; font-size: .72rem; }
%T .ac-tick { display: flex; flex-direction: column; align-items: center; padding: 0 10px;
  border-top: 2px solid var(--color-accent); position: relative; }
%T .ac-tick::before { content: ""; width: 8px; height: 8px; border-radius: 50%;
  background: var(--color-accent); margin-top: -5px; }
%T .ac-tick-undated { border-top-style: dashed; }
%T .ac-tick-outlet { color: var(--body-text-color-subdued); }
%T .ac-resolved { font-size: .78rem; color: var(--body-text-color-subdued); margin: 0 0 8px; }
%T .ac-group { border-top: 1px solid var(--border-color-primary); padding: 10px 0 4px; margin: 0; }
%T .ac-answer-head + .ac-group, %T .ac-related h4 + .ac-group { border-top: none; padding-top: 2px; }
%T .ac-src { all: unset; box-sizing: border-box; display: grid; grid-template-columns: 1fr auto;
  gap: 2px 12px; width: calc(100% + 16px); cursor: pointer; padding: 6px 8px; margin: 0 -8px;
  border-radius: 8px; transition: background .15s; }
%T .ac-src:hover, %T .ac-src:focus-visible { background: var(--background-fill-secondary); }
%T .ac-src:focus-visible { outline: 2px solid var(--color-accent); }
%T .ac-src-top, %A .ac-src-top { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: .78rem;
  color: var(--body-text-color-subdued); grid-column: 1; }
%T .ac-outlet, %A .ac-outlet { font-weight: 700; color: var(--color-accent); }
%T .ac-path, %A .ac-path, %A .ac-files code { font-family: var(--font-mono); font-size: .72rem; padding: 1px 6px;
  border-radius: 5px; background: var(--background-fill-secondary); color: var(--body-text-color-subdued);
  overflow-wrap: anywhere; }
%T .ac-src .ac-title { grid-column: 1; font-weight: 650; line-height: 1.35; color: var(--body-text-color); }
%T .ac-open { grid-column: 2; grid-row: 1 / span 2; align-self: center; font-size: .8rem;
  color: var(--color-accent); white-space: nowrap; opacity: .7; }
%T .ac-src:hover .ac-open { opacity: 1; }
%T .ac-active > .ac-src { background: rgba(79, 70, 229, .08); }
%T .ac-quote-wrap { margin: 6px 0 8px; padding: 0; }
%T .ac-quote { padding: 2px 0 2px 14px; border-left: 3px solid var(--color-accent);
  font-size: 1rem; font-style: normal; line-height: 1.6; margin: 0 !important; white-space: pre-line;
  overflow-wrap: anywhere; color: var(--body-text-color); quotes: none; }
%T .ac-quote::before, %T .ac-quote::after { content: none; }
%T .ac-quote-disputes { border-left-color: #ef4444; }
%T .ac-quote mark { background: linear-gradient(transparent 55%, rgba(250, 204, 21, .55) 55%);
  color: inherit; padding: 0; }
%T .ac-quote-foot { display: flex; gap: 6px; flex-wrap: wrap; align-items: center;
  margin: 4px 0 0 17px; padding: 0; }
%T .ac-chip { font-size: .72rem; padding: 2px 8px; border-radius: 6px; font-weight: 600;
  background: var(--background-fill-secondary); color: var(--body-text-color-subdued); }
%T .ac-flag-unconfirmed { background: rgba(245, 158, 11, .15); color: #92400e; }
%T .ac-flag-attributed { background: rgba(59, 130, 246, .12); color: #1d4ed8; }
%T .ac-flag-disputed, %T .ac-stance-disputes { background: rgba(239, 68, 68, .12); color: #b91c1c; }
%T .ac-stance-supports { background: rgba(16, 185, 129, .12); color: #047857; }
%T .ac-locate { all: unset; cursor: pointer; font-size: .74rem; color: var(--body-text-color-subdued);
  margin-left: auto; padding: 1px 6px; border-radius: 5px; }
%T .ac-locate:hover, %T .ac-locate:focus-visible { color: var(--color-accent);
  background: var(--background-fill-secondary); }
%T .ac-noanswer { display: flex; flex-direction: column; gap: 4px; padding: 2px 0 6px; }
%T .ac-noanswer strong { font-size: 1rem; }
%T .ac-related { margin-top: 10px; border-top: 1px dashed var(--border-color-primary); padding-top: 10px; }
%T .ac-related h4 { font-size: .75rem; text-transform: uppercase; letter-spacing: .06em;
  color: var(--body-text-color-subdued); margin: 0 0 6px; font-weight: 650; }
%T .ac-group-related .ac-quote { border-left-color: var(--border-color-primary);
  color: var(--body-text-color-subdued); }
%T .ac-group-related .ac-quote mark { background: none; }
%T .ac-group-related .ac-outlet { color: var(--body-text-color-subdued); }
%T .ac-error, %A .ac-error { padding: 10px 12px; border-radius: 10px; background: rgba(239, 68, 68, .08);
  color: #b91c1c; border: 1px solid rgba(239, 68, 68, .25); overflow-wrap: anywhere; }
%T .ac-pending { color: var(--body-text-color-subdued); display: flex; align-items: center; gap: 4px;
  padding: 8px 4px; }
%T .ac-dot { width: 6px; height: 6px; border-radius: 50%; background: currentColor;
  animation: ac-pulse 1s ease-in-out infinite; }
%T .ac-dot:nth-child(2) { animation-delay: .15s; }
%T .ac-dot:nth-child(3) { animation-delay: .3s; margin-right: 6px; }
%T .ac-muted, %A .ac-muted { color: var(--body-text-color-subdued); }
%T .ac-tools { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin: 8px 0 0;
  padding-top: 8px; border-top: 1px solid var(--border-color-primary); }
%T .ac-tool { all: unset; box-sizing: border-box; cursor: pointer; font-size: .78rem; padding: 3px 10px;
  border-radius: 999px; border: 1px solid var(--border-color-primary); color: var(--body-text-color-subdued);
  background: var(--background-fill-primary); line-height: 1.5; }
%T .ac-tool:hover, %T .ac-tool:focus-visible { border-color: var(--color-accent); color: var(--color-accent); }
%T .ac-tool:focus-visible { outline: 2px solid var(--color-accent); }
%T .ac-tool[aria-pressed="true"] { background: rgba(79, 70, 229, .1); border-color: var(--color-accent);
  color: var(--color-accent); }
%T .ac-tool-said { font-size: .78rem; color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
%T .ac-vote-form { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin: 6px 0 0;
  padding: 8px 10px; border-radius: 10px; background: var(--background-fill-secondary); }
%T .ac-vote-form[hidden] { display: none; }
%T .ac-vote-hint { width: 100%; margin: 0; font-size: .8rem; color: var(--body-text-color-subdued); }
%T .ac-vote-hint[hidden], %T .ac-nothing[hidden] { display: none; }
%T .ac-vote-note { flex: 1 1 220px; min-width: 0; font-size: .85rem; padding: 4px 8px; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color); }
%T .ac-mark { all: unset; display: inline-block; box-sizing: border-box; cursor: pointer; font-size: .74rem;
  margin: 4px 0 0 17px; padding: 2px 10px; border-radius: 999px; border: 1px dashed #10b981; color: #047857; }
%T .ac-turn:not(.ac-voting-down) .ac-mark { display: none; }
%T .ac-mark:focus-visible { outline: 2px solid #10b981; }
%T .ac-voting-down [data-quote] .ac-quote { cursor: pointer; border-radius: 0 8px 8px 0; transition: background .15s; }
%T .ac-voting-down [data-quote] .ac-quote:hover { background: rgba(16, 185, 129, .08); }
%T .ac-marked .ac-quote, %T .ac-marked-done .ac-quote { border-left-color: #10b981; background: rgba(16, 185, 129, .1); }
%T .ac-marked .ac-mark { border-style: solid; background: rgba(16, 185, 129, .12); }
%T .ac-marked-chip { margin-left: 17px; background: rgba(16, 185, 129, .13); color: #047857; }
@keyframes ac-pulse { 0%, 100% { opacity: .35; } 50% { opacity: 1; } }

%A .ac-article { height: calc(100vh - 215px); min-height: 330px; overflow-y: auto;
  border: 1px solid var(--border-color-primary); border-radius: 14px;
  background: var(--background-fill-primary); }
%A .ac-article-head { position: sticky; top: 0; background: var(--background-fill-primary);
  padding: 14px 20px 10px; border-bottom: 1px solid var(--border-color-primary); z-index: 1; }
%A .ac-article-head h3 { margin: 6px 0 8px; font-size: 1.1rem; line-height: 1.35; }
%A .ac-files { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; font-size: .75rem; }
%A .ac-article-note { margin: 6px 0 0; font-size: .75rem; color: var(--body-text-color-subdued); }
%A .ac-link { margin-left: auto; color: var(--color-accent); }
%A .ac-article-text { margin: 0; padding: 16px 20px 48px; white-space: pre-wrap; overflow-wrap: anywhere;
  line-height: 1.7; font-size: .95rem; color: var(--body-text-color); }
%A .ac-q { background: rgba(250, 204, 21, .14); }
%A .ac-article-text mark { background: rgba(250, 204, 21, .45); color: inherit; padding: 0; }
%A .ac-article-text mark.ac-focus { background: rgba(250, 204, 21, .85);
  box-shadow: 0 0 0 2px rgba(250, 204, 21, .85); border-radius: 2px; }
%A .ac-empty-panel { height: calc(100vh - 215px); min-height: 330px; display: flex;
  flex-direction: column; align-items: center; justify-content: center; gap: 10px; text-align: center;
  padding: 32px; color: var(--body-text-color-subdued); border: 1px dashed var(--border-color-primary);
  border-radius: 14px; }
%A .ac-empty-panel p { max-width: 34ch; margin: 0; line-height: 1.5; }
%A .ac-empty-panel svg { width: 40px; height: 40px; opacity: .5; }
%S .ac-stats table { width: 100%; border-collapse: collapse; font-size: .9rem; margin: 0 0 12px;
  border: none !important; }
%S .ac-stats th { text-align: left; font-weight: 600; padding: 5px 12px 5px 0; width: 35%;
  color: var(--body-text-color-subdued); border: none !important; background: none; }
%S .ac-stats td { padding: 5px 0; overflow-wrap: anywhere; border: none !important; }
%S .ac-stats tr { border-bottom: 1px solid var(--border-color-primary); }
%S .ac-stats ul { list-style: none; padding: 0; margin: 0; max-height: 45vh; overflow-y: auto; }
%S .ac-stats li { display: flex; flex-direction: column; padding: 6px 0; margin: 0;
  border-bottom: 1px solid var(--border-color-primary); font-size: .88rem; }
%S .ac-stats li .ac-muted { font-size: .78rem; }
%S .ac-stats h4 { margin: 8px 0 4px; font-size: .85rem; }
#ac-manage-note .ac-note p { margin: 6px 0 0; font-size: .85rem; }
#ac-manage-note .ac-problems { margin: 4px 0 0; padding-left: 18px; font-size: .8rem; color: #b91c1c;
  overflow-wrap: anywhere; }
@media (max-width: 900px) {
  #ac-transcript.block { height: 65vh; }
%A .ac-article, %A .ac-empty-panel { height: 70vh; }
  #ac-header { flex-wrap: wrap; }
  %H .ac-status { justify-content: flex-start; }
}
/* Phones: nothing may stick out to the right (the page would scroll sideways or clip). */
@media (max-width: 600px) {
  #ac-transcript.block { padding: 10px 8px; height: 60vh; min-height: 300px; }
  #ac-input { flex-wrap: wrap !important; }
  #ac-question { flex: 1 1 100% !important; min-width: 0 !important; }
  #ac-send, #ac-clear { flex: 1 1 0 !important; min-width: 0 !important; width: auto !important; }
  %T .ac-bubble { max-width: 92%; }
  %T .ac-answer { padding: 10px 10px 6px; }
  %T .ac-src { grid-template-columns: minmax(0, 1fr); }
  %T .ac-open { grid-column: 1; grid-row: auto; justify-self: start; }
  %T .ac-quote-foot { margin-left: 10px; }
  %T .ac-quote { padding-left: 10px; }
  %A .ac-article-head { padding: 10px 12px 8px; }
  %A .ac-article-text { padding: 12px 12px 40px; }
}
"""
CSS = _CSS
for _key, _id in _IDS.items():
    CSS = CSS.replace(_key, _id)
