/**
 * The offline HTML report of an executed notebook: rendered markdown, code, and outputs (HTML,
 * images, SVG, text, errors). Widget outputs use Jupyter's standard embed format: one
 * `application/vnd.jupyter.widget-state+json` script with the saved state and, per widget output,
 * an `application/vnd.jupyter.widget-view+json` script preceded by its static fallback
 * (class `tunelab-widget-fallback`). The widget bundle (widgets/dist/embed.js) is inlined when it
 * has been built; it renders those scripts on load. Nothing is fetched from the network.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { escapeHtml } from '../../src/display';
import { PACKAGE_ROOT } from '../moduleResolution';
import { cellSource, WIDGET_STATE_MIME, WIDGET_VIEW_MIME, type Notebook, type NotebookOutput } from './notebook';
import type { JsonObject } from '../wire';

export const EMBED_BUNDLE = path.join(PACKAGE_ROOT, 'widgets', 'dist', 'embed.js');

const markdown = new MarkdownIt({ html: true, linkify: false, typographer: false });

export { escapeHtml };

/** JSON safe inside a <script> element (no "</script>" or "<!--" can end or confuse it). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Raw script text safe inside <script>: a literal "</script" would close the element early. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

function text(v: unknown): string {
  return Array.isArray(v) ? v.join('') : String(v ?? '');
}

/** Markdown cells may reference attachments ("attachment:name"); inline them as data URLs. */
function inlineAttachments(md: string, attachments: JsonObject | undefined): string {
  if (!attachments) return md;
  return md.replace(/attachment:([^\s)"']+)/g, (whole, name: string) => {
    const bundle = attachments[name] as Record<string, string> | undefined;
    if (!bundle) return whole;
    const [mime, data] = Object.entries(bundle)[0] ?? [];
    return mime ? `data:${mime};base64,${text(data)}` : whole;
  });
}

function renderData(data: JsonObject, widgetModels: Set<string>): string {
  const view = data[WIDGET_VIEW_MIME] as { model_id?: string } | undefined;
  const fallback = renderStatic(data);
  if (view?.model_id && widgetModels.has(view.model_id)) {
    return `<div class="tunelab-widget-fallback">${fallback}</div>\n<script type="${WIDGET_VIEW_MIME}">${scriptJson(view)}</script>`;
  }
  return fallback;
}

/** The richest static representation, in nbconvert's order of preference. */
function renderStatic(data: JsonObject): string {
  if (data['text/html'] !== undefined) return `<div class="output-html">${text(data['text/html'])}</div>`;
  if (data['image/svg+xml'] !== undefined) return `<div class="output-svg">${text(data['image/svg+xml'])}</div>`;
  for (const mime of ['image/png', 'image/jpeg', 'image/gif']) {
    if (data[mime] !== undefined)
      return `<img class="output-image" alt="" src="data:${mime};base64,${text(data[mime]).replace(/\s/g, '')}">`;
  }
  if (data['text/markdown'] !== undefined) return `<div class="output-markdown">${markdown.render(text(data['text/markdown']))}</div>`;
  if (data['text/latex'] !== undefined) return `<pre class="output-latex">${escapeHtml(text(data['text/latex']))}</pre>`;
  if (data['application/json'] !== undefined)
    return `<pre class="output-json">${escapeHtml(JSON.stringify(data['application/json'], null, 2))}</pre>`;
  if (data['text/plain'] !== undefined) return `<pre class="output-text">${escapeHtml(stripAnsi(text(data['text/plain'])))}</pre>`;
  return '';
}

function renderOutputs(outputs: NotebookOutput[], widgetModels: Set<string>): string {
  const parts: string[] = [];
  // Consecutive stream chunks read as one block, as in Jupyter.
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i];
    if (o.output_type === 'stream') {
      let body = text(o.text);
      while (i + 1 < outputs.length) {
        const next = outputs[i + 1];
        if (next.output_type !== 'stream' || next.name !== o.name) break;
        body += text(next.text);
        i++;
      }
      parts.push(`<pre class="output-stream ${o.name === 'stderr' ? 'stderr' : 'stdout'}">${escapeHtml(stripAnsi(body))}</pre>`);
    } else if (o.output_type === 'error') {
      const tb = o.traceback.length > 0 ? o.traceback.join('\n') : `${o.ename}: ${o.evalue}`;
      parts.push(`<pre class="output-error">${escapeHtml(stripAnsi(tb))}</pre>`);
    } else {
      const prompt = o.output_type === 'execute_result' && o.execution_count != null ? `Out[${o.execution_count}]:` : '';
      parts.push(
        `<div class="output"><div class="prompt">${prompt}</div><div class="output-body">${renderData(o.data, widgetModels)}</div></div>`,
      );
    }
  }
  return parts.join('\n');
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #fff; color: #1f2328; }
main.tunelab-report { max-width: 1100px; margin: 0 auto; padding: 24px; }
.cell { margin: 14px 0; }
.cell.markdown { line-height: 1.5; }
.cell.markdown img { max-width: 100%; }
.cell.markdown table { border-collapse: collapse; } .cell.markdown td, .cell.markdown th { border: 1px solid #d0d7de; padding: 3px 8px; }
.input { display: flex; gap: 8px; }
.prompt { flex: 0 0 72px; color: #6e7781; font: 12px/1.6 ui-monospace, SFMono-Regular, Menlo, monospace; text-align: right; padding-top: 6px; }
.input pre { flex: 1; margin: 0; padding: 6px 10px; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; overflow-x: auto; }
pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; word-break: break-word; }
.outputs { margin-left: 80px; }
.output { display: flex; gap: 8px; } .output .prompt { margin-left: -80px; color: #953800; }
.output-body { flex: 1; min-width: 0; overflow-x: auto; }
.output-stream { margin: 4px 0; } .output-stream.stderr { background: #fff5f5; }
.output-error { margin: 4px 0; background: #ffebe9; color: #82071e; padding: 6px 10px; border-radius: 4px; }
.output-image { max-width: 100%; }
.output-html table { border-collapse: collapse; } .output-html td, .output-html th { border: 1px solid #d0d7de; padding: 2px 6px; }
footer { color: #6e7781; font-size: 12px; margin-top: 32px; }
`;

export interface ReportOptions {
  title: string;
  /** Inline this widget bundle (default: widgets/dist/embed.js when it exists). */
  embedBundlePath?: string | null;
  generatedAt?: Date;
}

export function renderReport(nb: Notebook, opts: ReportOptions): string {
  const widgetState = (nb.metadata.widgets as JsonObject | undefined)?.[WIDGET_STATE_MIME] as { state?: JsonObject } | undefined;
  const widgetModels = new Set(Object.keys(widgetState?.state ?? {}));
  const cells = nb.cells.map((cell) => {
    const src = cellSource(cell);
    if (cell.cell_type === 'markdown') {
      return `<section class="cell markdown">${markdown.render(inlineAttachments(src, cell.attachments))}</section>`;
    }
    if (cell.cell_type === 'raw') return `<section class="cell raw"><pre>${escapeHtml(src)}</pre></section>`;
    const prompt = `In [${cell.execution_count ?? ' '}]:`;
    return (
      `<section class="cell code"><div class="input"><div class="prompt">${prompt}</div>` +
      `<pre><code class="language-typescript">${escapeHtml(src)}</code></pre></div>` +
      `<div class="outputs">${renderOutputs(cell.outputs ?? [], widgetModels)}</div></section>`
    );
  });
  const bundlePath = opts.embedBundlePath === undefined ? EMBED_BUNDLE : opts.embedBundlePath;
  const bundle = bundlePath && existsSync(bundlePath) ? readFileSync(bundlePath, 'utf8') : null;
  const when = (opts.generatedAt ?? new Date()).toISOString();
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${STYLE}</style>`,
    widgetModels.size > 0 ? `<script type="${WIDGET_STATE_MIME}">${scriptJson(widgetState)}</script>` : '',
    '</head>',
    '<body>',
    '<main class="tunelab-report">',
    ...cells,
    `<footer>Generated by tunelab run on ${escapeHtml(when)}.</footer>`,
    '</main>',
    bundle && widgetModels.size > 0 ? `<script>${scriptText(bundle)}</script>` : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
