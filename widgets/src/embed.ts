/**
 * The embed bundle (widgets/dist/embed.js): a self-contained script for offline HTML reports and
 * standalone pages. On load it renders every widget view tag
 *   <script type="application/vnd.jupyter.widget-view+json">{"model_id": ...}</script>
 * from the saved state in
 *   <script type="application/vnd.jupyter.widget-state+json">{"version_major": 2, "state": {...}}</script>
 * with @jupyter-widgets/html-manager (standard controls) plus tunelab's own views.
 * A static fallback placed just before a view tag with class `tunelab-widget-fallback` is hidden
 * once the live view is up, so a page without JavaScript still shows the snapshot.
 */
import { HTMLManager } from '@jupyter-widgets/html-manager/lib/htmlmanager';
import * as tunelabViews from './views';
import { loaderFor } from './loader';
import './embedCss';

const STATE_MIME = 'application/vnd.jupyter.widget-state+json';
const VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

/** Resolve model modules that html-manager does not ship itself. */
export const loader = loaderFor(tunelabViews);

export function createManager(): HTMLManager {
  return new HTMLManager({ loader });
}

export interface RenderReport {
  models: number;
  views: number;
  errors: string[];
}

/** Render all widget views under `root` from every saved-state tag. Safe to call more than once. */
export async function renderWidgets(root: ParentNode = document): Promise<RenderReport> {
  const report: RenderReport = { models: 0, views: 0, errors: [] };
  const stateTags = Array.from(root.querySelectorAll<HTMLScriptElement>(`script[type="${STATE_MIME}"]`));
  for (const tag of stateTags) {
    let saved: { state?: Record<string, unknown> };
    try {
      saved = JSON.parse(tag.textContent ?? '');
    } catch (e) {
      report.errors.push(`widget state is not valid JSON: ${(e as Error).message}`);
      continue;
    }
    const manager = createManager();
    const models = await manager.set_state(saved as never);
    report.models += models.length;
    const viewTags = Array.from(root.querySelectorAll<HTMLScriptElement>(`script[type="${VIEW_MIME}"]`));
    for (const viewTag of viewTags) {
      if (viewTag.dataset.tunelabRendered) continue;
      let modelId: string;
      try {
        modelId = JSON.parse(viewTag.textContent ?? '').model_id;
      } catch {
        report.errors.push('a widget view tag is not valid JSON');
        continue;
      }
      const model = models.find((m) => m.model_id === modelId);
      if (!model || !viewTag.parentElement) continue;
      viewTag.dataset.tunelabRendered = 'true';
      const host = document.createElement('div');
      host.className = 'widget-subarea tunelab-widget-host';
      viewTag.parentElement.insertBefore(host, viewTag);
      try {
        const view = await manager.create_view(model);
        await manager.display_view(view, host);
        const prev = host.previousElementSibling;
        if (prev && prev.classList.contains('tunelab-widget-fallback')) (prev as HTMLElement).style.display = 'none';
        report.views++;
      } catch (e) {
        report.errors.push(`could not render ${modelId}: ${String(e)}`);
      }
    }
  }
  return report;
}

declare global {
  interface Window {
    tunelabWidgets?: {
      renderWidgets: typeof renderWidgets;
      createManager: typeof createManager;
      views: typeof tunelabViews;
      rendered?: Promise<RenderReport>;
    };
  }
}

window.tunelabWidgets = { renderWidgets, createManager, views: tunelabViews };
// nbconvert's template adds this script after DOMContentLoaded, so also run when already loaded.
const start = () => {
  window.tunelabWidgets!.rendered = renderWidgets().then((r) => {
    document.documentElement.dataset.tunelabWidgets = r.errors.length ? 'errors' : 'rendered';
    for (const e of r.errors) console.error(`tunelab widgets: ${e}`);
    return r;
  });
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
