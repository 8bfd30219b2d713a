// Discord messages as the bot sent them through the fake (content, embeds, buttons, selects), laid out
// as an HTML page in Discord's dark theme, for screenshots in the README. Only what the fake recorded
// is drawn: the picture shows what the bot really sent.
import type { FakeDiscordMessage as FakeMessage } from '@oversight/testkit';

type Json = Record<string, unknown>;

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The markdown Discord shows (bold, italics, mentions), after escaping. */
function markdown(text: string, names: Record<string, string>): string {
  return escapeHtml(text)
    .replace(
      /&lt;@(\d+)&gt;/g,
      (_, id: string) => `<span class="mention">@${escapeHtml(names[id] ?? 'someone')}</span>`,
    )
    .replace(
      /&lt;#(\d+)&gt;/g,
      (_, id: string) => `<span class="mention">#${escapeHtml(names[id] ?? 'thread')}</span>`,
    )
    .replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')
    .replace(/\*(.+?)\*/g, '<i>$1</i>')
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\n/g, '<br>');
}

function embed(e: Json, names: Record<string, string>): string {
  const color = typeof e.color === 'number' ? `#${e.color.toString(16).padStart(6, '0')}` : '#1e1f22';
  const author = e.author ? `<div class="author">${escapeHtml(String((e.author as Json).name))}</div>` : '';
  const title = e.title ? `<div class="title">${markdown(String(e.title), names)}</div>` : '';
  const description = e.description
    ? `<div class="desc">${markdown(String(e.description), names)}</div>`
    : '';
  const fields = ((e.fields as Json[]) ?? [])
    .map(
      (f) =>
        `<div class="field${f.inline ? ' inline' : ''}"><div class="fname">${markdown(String(f.name), names)}</div><div class="fvalue">${markdown(String(f.value), names)}</div></div>`,
    )
    .join('');
  const footer = e.footer ? `<div class="footer">${escapeHtml(String((e.footer as Json).text))}</div>` : '';
  return `<div class="embed" style="border-left-color:${color}">${author}${title}${description}<div class="fields">${fields}</div>${footer}</div>`;
}

const STYLE: Record<number, string> = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link' };

function components(rows: Json[]): string {
  return rows
    .map((row) => {
      const inner = ((row.components as Json[]) ?? [])
        .map((c) =>
          c.type === 3
            ? `<div class="select">${escapeHtml(String(c.placeholder ?? 'Choose'))}<span>⌄</span></div>`
            : `<div class="button ${STYLE[Number(c.style)] ?? 'secondary'}">${escapeHtml(String(c.label ?? ''))}${c.style === 5 ? ' ↗' : ''}</div>`,
        )
        .join('');
      return `<div class="row">${inner}</div>`;
    })
    .join('');
}

/** One modal component: a Label holding its input, a Text Display, or a legacy row of text inputs. */
function modalComponent(c: Json, names: Record<string, string>): string {
  if (c.type === 10) return `<div class="tdisplay">${markdown(String(c.content ?? ''), names)}</div>`;
  if (c.type === 1) return ((c.components as Json[]) ?? []).map((x) => modalComponent(x, names)).join('');
  const input = c.type === 18 ? (c.component as Json) : c;
  const label = c.type === 18 ? c.label : input.label;
  const head = label
    ? `<div class="mlabel">${escapeHtml(String(label))}${input.required === false ? '' : '<span class="req">*</span>'}</div>`
    : '';
  const description = c.description
    ? `<div class="mdesc">${markdown(String(c.description), names)}</div>`
    : '';
  let body = '';
  if (input.type === 4)
    body = `<div class="minput${input.style === 2 ? ' para' : ''}">${escapeHtml(String(input.placeholder ?? ''))}</div>`;
  else if (input.type === 3)
    body = `<div class="select wide">${escapeHtml(String(input.placeholder ?? 'Make a selection'))}<span>⌄</span></div><div class="mdesc">${((input.options as Json[]) ?? []).length} options, each whole, e.g. “${escapeHtml(String(((input.options as Json[]) ?? [])[0]?.label ?? ''))}”</div>`;
  else if (input.type === 21)
    body = `<div class="radios">${((input.options as Json[]) ?? [])
      .map((o) => `<div class="radio"><span class="dot"></span>${escapeHtml(String(o.label))}</div>`)
      .join('')}</div>`;
  return `<div class="mfield">${head}${description}${body}</div>`;
}

/** A modal as Discord's client draws it (dark theme): title, its components in order, the buttons. */
export function renderModal(modal: Json, names: Record<string, string> = {}): string {
  const parts = ((modal.components as Json[]) ?? []).map((c) => modalComponent(c, names)).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin:0; background:#1a1b1e; color:#dbdee1; font:15px/1.4 "gg sans","Noto Sans","DejaVu Sans",sans-serif; width:560px; padding:24px; }
.modal { background:#313338; border-radius:8px; overflow:hidden; }
.mhead { display:flex; gap:10px; align-items:center; padding:16px; font-size:20px; font-weight:600; color:#f2f3f5; }
.mhead .avatar { width:28px; height:28px; border-radius:50%; background:#5865f2; color:white; display:flex; align-items:center; justify-content:center; font-size:15px; }
.mbody { padding:0 16px 8px; }
.tdisplay { margin:4px 0 14px; font-size:14px; color:#dbdee1; }
.mfield { margin:0 0 16px; }
.mlabel { font-size:14px; font-weight:600; color:#f2f3f5; margin-bottom:4px; }
.req { color:#f23f43; margin-left:4px; }
.mdesc { font-size:12.5px; color:#b5bac1; margin:2px 0 6px; }
.minput { background:#1e1f22; border-radius:4px; padding:10px; color:#6d6f78; min-height:20px; }
.minput.para { min-height:70px; }
.select { background:#1e1f22; border-radius:4px; padding:8px 12px; color:#949ba4; display:flex; justify-content:space-between; }
.radios { display:flex; flex-direction:column; gap:6px; }
.radio { background:#2b2d31; border-radius:4px; padding:8px 10px; display:flex; gap:10px; align-items:center; font-size:14px; }
.dot { width:16px; height:16px; border-radius:50%; border:2px solid #b5bac1; flex:none; }
.mfoot { background:#2b2d31; padding:16px; display:flex; justify-content:flex-end; gap:8px; }
.button { padding:8px 18px; border-radius:4px; font-size:14px; font-weight:500; color:white; }
.primary { background:#5865f2; } .plain { color:#f2f3f5; }
b { color:#f2f3f5; } code { background:#1e1f22; padding:0 3px; border-radius:3px; }
</style></head><body><div class="modal"><div class="mhead"><div class="avatar">⚖</div>${escapeHtml(String(modal.title ?? ''))}</div><div class="mbody">${parts}</div><div class="mfoot"><span class="button plain">Cancel</span><span class="button primary">Submit</span></div></div></body></html>`;
}

export function renderThread(
  title: string,
  messages: FakeMessage[],
  options: { botName: string; names: Record<string, string>; viewer: string },
): string {
  const body = messages
    .map((m) => {
      const ephemeral = m.visibleTo === options.viewer;
      return `<div class="message${ephemeral ? ' ephemeral' : ''}">
  <div class="avatar">⚖</div>
  <div class="main">
    <div class="head"><span class="name">${escapeHtml(options.botName)}</span><span class="app">APP</span></div>
    ${m.content ? `<div class="content">${markdown(m.content, options.names)}</div>` : ''}
    ${m.embeds.map((e) => embed(e, options.names)).join('')}
    ${components(m.components)}
    ${ephemeral ? '<div class="only">Only you can see this</div>' : ''}
  </div>
</div>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin:0; background:#313338; color:#dbdee1; font:15px/1.4 "gg sans","Noto Sans","DejaVu Sans",sans-serif; width:820px; }
.top { background:#2b2d31; padding:12px 16px; font-weight:600; color:#f2f3f5; border-bottom:1px solid #1f2023; }
.top small { color:#949ba4; font-weight:400; margin-left:8px; }
.message { display:flex; gap:14px; padding:8px 16px; }
.message.ephemeral { background:#2e3035; border-left:2px solid #5865f2; }
.avatar { width:40px; height:40px; border-radius:50%; background:#5865f2; color:white; display:flex; align-items:center; justify-content:center; font-size:20px; flex:none; }
.main { min-width:0; flex:1; }
.head .name { color:#f2f3f5; font-weight:600; }
.app { background:#5865f2; color:white; font-size:10px; border-radius:3px; padding:1px 4px; margin-left:6px; vertical-align:2px; }
.content { margin:2px 0 4px; }
.mention { background:rgba(88,101,242,.3); color:#c9cdfb; border-radius:3px; padding:0 2px; }
.embed { background:#2b2d31; border-left:4px solid; border-radius:4px; padding:8px 16px 12px 12px; margin:4px 0; max-width:640px; }
.author { font-size:13px; font-weight:600; color:#f2f3f5; margin-top:4px; }
.title { font-weight:700; color:#f2f3f5; margin-top:4px; }
.desc { margin-top:6px; font-size:14px; }
.fields { display:flex; flex-wrap:wrap; gap:0 16px; }
.field { flex:1 1 100%; margin-top:8px; font-size:14px; }
.field.inline { flex:1 1 28%; }
.fname { font-weight:600; color:#f2f3f5; }
.footer { font-size:12px; color:#b5bac1; margin-top:8px; }
.row { display:flex; gap:8px; margin:6px 0; flex-wrap:wrap; }
.button { padding:6px 16px; border-radius:4px; font-size:14px; font-weight:500; color:white; }
.primary { background:#5865f2; } .secondary { background:#4e5058; } .success { background:#248046; } .danger { background:#da373c; } .link { background:#4e5058; }
.select { background:#1e1f22; border:1px solid #1e1f22; border-radius:4px; padding:8px 12px; width:420px; color:#949ba4; display:flex; justify-content:space-between; }
code { background:#1e1f22; padding:0 3px; border-radius:3px; }
.only { font-size:12px; color:#949ba4; margin-top:2px; }
</style></head><body><div class="top"># ${escapeHtml(title)}<small>private thread</small></div>${body}</body></html>`;
}
