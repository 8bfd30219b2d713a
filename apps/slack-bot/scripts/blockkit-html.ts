/**
 * Block Kit as HTML, close enough to Slack's look to show in the README what the app sends: headers,
 * sections (mrkdwn: *bold*, _italic_, `code`, <url|links>, line breaks), context lines, dividers,
 * buttons, selects and inputs. Only for pictures; what Slack accepts is checked by the fake.
 */

type Block = Record<string, unknown>;
type Text = { type: string; text: string };

const escapeHtml = (s: string) =>
  s
    .replace(/&(?!amp;|lt;|gt;)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');

/** mrkdwn arrives escaped (&lt; &gt; &amp;) except for Slack's own <...> links. */
export function mrkdwn(text: string): string {
  const links: string[] = [];
  let s = text.replace(/<([^|>]+)\|([^>]+)>/g, (_m, url: string, label: string) => {
    links.push(`<a href="${url}">${label}</a>`);
    return `⟦${links.length - 1}⟧`;
  });
  s = s.replace(/<#([A-Z0-9]+)>/g, '#channel').replace(/<@([A-Z0-9]+)>/g, '@$1');
  s = s.replace(/&(?!amp;|lt;|gt;)/g, '&amp;').replace(/<(?!\/?[a-z])/g, '&lt;');
  s = s
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
    .replace(/(^|\s)_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/\n/g, '<br>');
  return s.replace(/⟦(\d+)⟧/g, (_m, i: string) => links[Number(i)]!);
}

const textOf = (t: unknown) => {
  const x = t as Text | undefined;
  if (!x) return '';
  return x.type === 'mrkdwn' ? mrkdwn(x.text) : escapeHtml(x.text);
};

function element(e: Block): string {
  switch (e.type) {
    case 'button':
      return `<span class="button ${e.style ?? ''}">${textOf(e.text)}</span>`;
    case 'static_select':
      return `<span class="select">${textOf(e.placeholder) || 'Choose'} ▾</span>`;
    case 'plain_text_input':
      return `<div class="input ${e.multiline ? 'multi' : ''}">${escapeHtml(String(e.initial_value ?? ''))}<span class="ph">${e.initial_value ? '' : textOf(e.placeholder)}</span></div>`;
    case 'radio_buttons':
      return (e.options as Block[])
        .map(
          (o) =>
            `<div class="radio">${(e.initial_option as Block | undefined)?.value === o.value ? '◉' : '○'} ${textOf(o.text)}</div>`,
        )
        .join('');
    default:
      return '';
  }
}

export function blocksHtml(blocks: Block[]): string {
  return blocks
    .map((b) => {
      switch (b.type) {
        case 'header':
          return `<div class="header">${textOf(b.text)}</div>`;
        case 'section':
          return `<div class="section"><div>${textOf(b.text)}</div>${b.accessory ? element(b.accessory as Block) : ''}</div>`;
        case 'context':
          return `<div class="context">${(b.elements as unknown[]).map(textOf).join(' &nbsp; ')}</div>`;
        case 'divider':
          return '<hr>';
        case 'actions':
          return `<div class="actions">${(b.elements as Block[]).map(element).join('')}</div>`;
        case 'input':
          return `<div class="field"><label>${textOf(b.label)}${b.optional ? ' <span class="ph">(optional)</span>' : ''}</label>${element(b.element as Block)}</div>`;
        default:
          return '';
      }
    })
    .join('\n');
}

export const STYLE = `
body { font-family: Lato, "Helvetica Neue", Arial, sans-serif; font-size: 15px; color: #1d1c1d; margin: 0; background: #fff; }
.pane { width: 760px; padding: 16px 20px; }
.title { font-weight: 900; font-size: 18px; padding: 10px 20px; border-bottom: 1px solid #ddd; }
.msg { display: flex; gap: 10px; margin: 12px 0; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #2c3e50; color: #fff; font-weight: 900; display: flex; align-items: center; justify-content: center; flex: none; }
.who { font-weight: 900; } .who .app { font-weight: 400; font-size: 11px; background: #eee; padding: 1px 4px; border-radius: 3px; margin-left: 4px; }
.body { flex: 1; min-width: 0; }
.header { font-weight: 900; font-size: 18px; margin: 4px 0; }
.section { margin: 4px 0; line-height: 1.45; display: flex; justify-content: space-between; gap: 12px; align-items: center; }
.context { color: #616061; font-size: 12.5px; margin: 4px 0; }
.actions { margin: 8px 0; display: flex; gap: 8px; flex-wrap: wrap; }
.button { border: 1px solid #bbb; border-radius: 4px; padding: 5px 12px; font-weight: 700; font-size: 13.5px; background: #fff; white-space: nowrap; }
.button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.select { border: 1px solid #bbb; border-radius: 4px; padding: 5px 12px; }
hr { border: 0; border-top: 1px solid #e5e5e5; margin: 8px 0; }
code { background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; font-size: 12px; color: #c01343; }
a { color: #1264a3; text-decoration: none; }
.thread { border-left: 3px solid #e8e8e8; margin-left: 18px; padding-left: 14px; }
.modal { position: absolute; top: 120px; left: 420px; width: 480px; background: #fff; border-radius: 8px; box-shadow: 0 8px 40px rgba(0,0,0,.35); }
.modal .mtitle { font-weight: 900; font-size: 20px; padding: 16px 20px; border-bottom: 1px solid #ddd; }
.modal .mbody { padding: 10px 20px; } .modal .mfoot { padding: 12px 20px; border-top: 1px solid #ddd; text-align: right; }
.field { margin: 10px 0; } .field label { display: block; font-weight: 700; margin-bottom: 4px; }
.input { border: 1px solid #999; border-radius: 4px; padding: 6px 8px; min-height: 20px; } .input.multi { min-height: 60px; }
.ph { color: #888; font-weight: 400; } .radio { margin: 3px 0; }
.stage { position: relative; }
.shade { position: absolute; inset: 0; background: rgba(0,0,0,.25); }
`;
