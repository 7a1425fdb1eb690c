/**
 * The views' CSS, injected once per document (so the embed bundle stays one file). Colours come from
 * JupyterLab's theme variables when present (dark themes), with light fallbacks elsewhere.
 */
const CSS = `
.tunelab-study-monitor { font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 13px;
  border: 1px solid var(--jp-border-color2, #d0d7de); border-radius: 6px; padding: 8px 10px; max-width: 720px;
  background: var(--jp-layout-color1, #fff); color: var(--jp-ui-font-color1, #1f2328); }
.tunelab-study-monitor .tl-head { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; }
.tunelab-study-monitor .tl-title { font-weight: 600; flex: 1; }
.tunelab-study-monitor .tl-status { font-size: 11px; padding: 1px 6px; border-radius: 10px; background: #ddf4ff; }
.tunelab-study-monitor .tl-status[data-status="finished"] { background: #dafbe1; }
.tunelab-study-monitor .tl-status[data-status="stopped"], .tunelab-study-monitor .tl-status[data-status="stopping"] { background: #fff8c5; }
.tunelab-study-monitor .tl-status[data-status="interrupted"], .tunelab-study-monitor .tl-status[data-status="failed"] { background: #ffebe9; }
.tunelab-study-monitor .tl-stop { border: 1px solid #cf222e; color: #cf222e; background: #fff; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
.tunelab-study-monitor .tl-stop:disabled { opacity: .4; cursor: default; }
.tunelab-study-monitor .tl-bar { position: relative; height: 18px; background: var(--jp-layout-color3, #eaeef2); border-radius: 4px; overflow: hidden; }
.tunelab-study-monitor .tl-fill { height: 100%; width: 0; background: #2da44e; transition: width .2s; }
.tunelab-study-monitor .tl-bar.tl-indeterminate .tl-fill { background: repeating-linear-gradient(45deg,#8cc7ff 0 10px,#b6dbff 10px 20px); }
.tunelab-study-monitor .tl-pct { position: absolute; left: 0; right: 0; top: 0; text-align: center; font-size: 11px; line-height: 18px; }
.tunelab-study-monitor .tl-counts { display: flex; gap: 12px; margin-top: 6px; }
.tunelab-study-monitor .tl-complete { color: #1a7f37; } .tunelab-study-monitor .tl-pruned { color: #9a6700; }
.tunelab-study-monitor .tl-fail { color: #cf222e; }
.tunelab-study-monitor .tl-best { margin-top: 4px; font-weight: 600; }
.tunelab-study-monitor .tl-failure { color: #cf222e; margin-top: 2px; white-space: pre-wrap; overflow-wrap: anywhere; }
.tunelab-study-monitor .tl-params, .tunelab-study-monitor .tl-time { color: var(--jp-ui-font-color2, #57606a); margin-top: 2px; }
.tunelab-plot, .tunelab-schedule, .tunelab-cv { width: 100%; max-width: 900px; }
.tunelab-plot-area { width: 100%; min-height: 200px; }
.tunelab-cv .tl-cv-wrap { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; font-family: system-ui, sans-serif; font-size: 13px; }
.tunelab-cv .tl-cv-left { flex: 1 1 260px; min-width: 0; overflow-x: auto; }
.tunelab-cv .tl-cv-box { flex: 1 1 280px; min-width: 0; }
.tunelab-cv table { border-collapse: collapse; }
.tunelab-cv th, .tunelab-cv td { border-bottom: 1px solid #d0d7de; padding: 2px 8px; text-align: left; }
.tunelab-cv .tl-cv-toggle { border: none; background: none; padding: 0; cursor: pointer; color: var(--jp-content-link-color, #0969da); font: inherit; white-space: nowrap; }
.tunelab-cv .tl-cv-detail > td { padding: 4px 8px 8px 24px; background: var(--jp-layout-color2, #f6f8fa); }
.tunelab-cv table.tl-cv-inner { display: block; max-height: 240px; overflow: auto; font-size: 12px; margin: 0; }
.tunelab-cv .tl-cv-inner th, .tunelab-cv .tl-cv-inner td { border-bottom: 1px solid #e1e4e8; padding: 1px 8px; white-space: nowrap; }
.tunelab-cv .tl-cv-inner tbody th { font-weight: 600; color: var(--jp-ui-font-color2, #57606a); }
.tunelab-cv .tl-num { text-align: right; font-variant-numeric: tabular-nums; }
`;

export function ensureStyles(): void {
  if (typeof document === 'undefined' || document.getElementById('tunelab-widgets-css')) return;
  const style = document.createElement('style');
  style.id = 'tunelab-widgets-css';
  style.textContent = CSS;
  document.head.appendChild(style);
}
