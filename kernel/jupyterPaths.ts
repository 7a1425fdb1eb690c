/**
 * Where Jupyter looks for data (kernels/, labextensions/), and whether the Jupyter widget manager is
 * among it. JupyterLab and Notebook 7 render widgets only through the widget manager that
 * jupyterlab_widgets (a dependency of ipywidgets 8) installs as the prebuilt extension
 * `@jupyter-widgets/jupyterlab-manager`; tunelab's own extension only registers views with it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { dataDir, type InstallLocation } from './kernelspec';

export const WIDGET_MANAGER_EXTENSION = '@jupyter-widgets/jupyterlab-manager';

export interface DataPaths {
  paths: string[];
  /** How the list was found: Jupyter's own answer, or tunelab's reading of the environment. */
  source: 'jupyter --paths' | 'environment';
}

/** Jupyter's data paths as `jupyter --paths --json` reports them, or null without a working jupyter. */
function askJupyter(env: NodeJS.ProcessEnv): string[] | null {
  try {
    const out = execFileSync('jupyter', ['--paths', '--json'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    });
    const data = (JSON.parse(out) as { data?: unknown }).data;
    return Array.isArray(data) && data.every((p) => typeof p === 'string') ? data : null;
  } catch {
    return null; // no jupyter on PATH, or one that does not answer
  }
}

/**
 * The data paths of the Jupyter that will run the kernel: Jupyter's own list when `jupyter` is on
 * PATH; otherwise the rules of jupyter_core.paths.jupyter_path() read from the environment
 * (JUPYTER_PATH, the user's data dir, the active environment's share/jupyter, the system dirs).
 * The location tunelab installs to is always included.
 */
export function jupyterDataPaths(loc: InstallLocation, env: NodeJS.ProcessEnv = process.env): DataPaths {
  const own = dataDir(loc, env);
  const asked = askJupyter(env);
  if (asked) return { paths: unique([...asked, own]), source: 'jupyter --paths' };
  const paths = (env.JUPYTER_PATH ?? '').split(path.delimiter).filter((p) => p !== '');
  paths.push(dataDir({ kind: 'user' }, env));
  for (const prefix of [env.VIRTUAL_ENV, env.CONDA_PREFIX]) if (prefix) paths.push(path.join(prefix, 'share', 'jupyter'));
  if (process.platform === 'win32') {
    if (env.PROGRAMDATA) paths.push(path.join(env.PROGRAMDATA, 'jupyter'));
  } else {
    paths.push('/usr/local/share/jupyter', '/usr/share/jupyter');
  }
  paths.push(own);
  return { paths: unique(paths.map((p) => path.resolve(p))), source: 'environment' };
}

/** The widget manager's package.json in the first data path that has it, or null. */
export function findWidgetManager(paths: readonly string[]): string | null {
  for (const p of paths) {
    const pkg = path.join(p, 'labextensions', ...WIDGET_MANAGER_EXTENSION.split('/'), 'package.json');
    if (existsSync(pkg)) return pkg;
  }
  return null;
}

/** What `tunelab install` tells a user whose Jupyter lacks the widget manager. */
export function missingWidgetManagerMessage(searched: DataPaths): string {
  return (
    `tunelab's widgets need Jupyter's widget manager, the ${WIDGET_MANAGER_EXTENSION} extension, and it is not in ` +
    `any Jupyter data path (${searched.source === 'jupyter --paths' ? 'as `jupyter --paths` lists them' : 'no `jupyter` on PATH; looked'} in: ` +
    `${searched.paths.join(', ')}).\n` +
    'Install it into the Python environment that runs JupyterLab or Notebook 7:\n' +
    '    pip install ipywidgets        (or: conda install -c conda-forge ipywidgets)\n' +
    'then restart Jupyter. Until then notebooks show the widgets as static text and HTML.'
  );
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
