/**
 * `tunelab install` / `tunelab uninstall`: the kernelspec named `tunelab` (and the widget
 * extension when it has been built), written where Jupyter looks for them. No Python needed.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from './moduleResolution';

export const KERNEL_NAME = 'tunelab';
export const DISPLAY_NAME = 'TypeScript (tunelab)';
export const LABEXTENSION_NAME = 'tunelab-widgets';

export type InstallLocation = { kind: 'user' } | { kind: 'sys-prefix' } | { kind: 'prefix'; dir: string };

export class InstallError extends Error {
  override name = 'InstallError';
}

/** Jupyter's data directory for a location (kernels/ and labextensions/ live below it). */
export function dataDir(loc: InstallLocation, env: NodeJS.ProcessEnv = process.env): string {
  switch (loc.kind) {
    case 'prefix':
      return path.join(path.resolve(loc.dir), 'share', 'jupyter');
    case 'sys-prefix': {
      const prefix = env.CONDA_PREFIX ?? env.VIRTUAL_ENV;
      if (!prefix) {
        throw new InstallError(
          '--sys-prefix needs an active Python environment (CONDA_PREFIX or VIRTUAL_ENV is unset); use --user or --prefix DIR instead',
        );
      }
      return path.join(prefix, 'share', 'jupyter');
    }
    case 'user': {
      // Same rules as jupyter_core.paths.jupyter_data_dir().
      if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
      const home = os.homedir();
      if (process.platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
      if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'jupyter');
    }
  }
}

export function kernelSpec(): Record<string, unknown> {
  return {
    argv: [process.execPath, path.join(PACKAGE_ROOT, 'bin', 'tunelab.js'), 'kernel', '--connection-file', '{connection_file}'],
    display_name: DISPLAY_NAME,
    language: 'typescript',
    // interrupt_request on the control channel reaches the kernel even while a cell runs
    // synchronously (the sockets live in their own thread); SIGINT works as well.
    interrupt_mode: 'message',
    metadata: { debugger: false },
  };
}

export interface InstallResult {
  kernelDir: string;
  labextensionDir?: string;
}

export function install(loc: InstallLocation): InstallResult {
  const data = dataDir(loc);
  const kernelDir = path.join(data, 'kernels', KERNEL_NAME);
  mkdirSync(kernelDir, { recursive: true });
  writeFileSync(path.join(kernelDir, 'kernel.json'), JSON.stringify(kernelSpec(), null, 2) + '\n');
  const result: InstallResult = { kernelDir };
  const ext = path.join(PACKAGE_ROOT, 'widgets', 'labextension');
  if (existsSync(ext)) {
    const target = path.join(data, 'labextensions', LABEXTENSION_NAME);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(ext, target, { recursive: true });
    result.labextensionDir = target;
  }
  return result;
}

/** Removes what install wrote; returns the paths removed (empty when nothing was installed there). */
export function uninstall(loc: InstallLocation): string[] {
  const data = dataDir(loc);
  const removed: string[] = [];
  for (const p of [path.join(data, 'kernels', KERNEL_NAME), path.join(data, 'labextensions', LABEXTENSION_NAME)]) {
    if (existsSync(p)) {
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    }
  }
  return removed;
}
