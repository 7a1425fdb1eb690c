/**
 * The pinned Python environment (python/requirements.txt) that every test comparing with Python
 * uses: Optuna 5.0, optuna-dashboard, scikit-learn, PyTorch, JupyterLab, Notebook 7, nbclient,
 * papermill. `scripts/python-env.sh` creates it (npm's pretest runs it) and prints its directory;
 * asking it again here is instant once it exists.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

let cached: string | undefined;

/** The environment's directory (created on first use if the pretest did not). */
export function pythonEnvDir(): string {
  cached ??= execFileSync('bash', [join(ROOT, 'scripts', 'python-env.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return cached;
}

/** A command installed in the environment: `python`, `jupyter`, `optuna-dashboard`, `papermill`... */
export function pythonBin(name = 'python'): string {
  return join(pythonEnvDir(), 'bin', name);
}

/** The environment's interpreter. */
export const PYTHON: string = pythonBin('python');

/** Environment variables for a child that runs the environment's tools (its bin first on PATH). */
export function pythonEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const bin = join(pythonEnvDir(), 'bin');
  return { ...process.env, VIRTUAL_ENV: pythonEnvDir(), PATH: `${bin}:${process.env.PATH ?? ''}`, ...extra };
}
