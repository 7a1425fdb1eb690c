/**
 * tunelab as a user installs it: `npm pack` of this checkout, and `npm install` of the tarball into
 * an empty project. Shared by the package tests (the full install and the engine-only one).
 *
 * The install reads packages from npm's cache first (`--prefer-offline`; `npm ci` filled it) and
 * builds native addons as a user's install would.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
export const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** npm's own command line (the `npm` on PATH is a shell script on some systems; spawn it directly). */
export function npm(args: string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  // node-gyp cannot download Node's headers here; they are installed under /usr/include/node.
  if (existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  return spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 26 });
}

/** `npm pack` this checkout into `dir`; returns the tarball's path. `built` lists build outputs that must exist first. */
export function packTunelab(dir: string, built: string[]): string {
  for (const f of built) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first (npm test's pretest does).`);
  }
  const pack = npm(['pack', '--pack-destination', dir, '--silent'], ROOT, 120_000);
  assert.equal(pack.status, 0, `npm pack failed:\n${pack.stderr}`);
  const tarball = readdirSync(dir).find((f) => f === `tunelab-${PACKAGE.version}.tgz`);
  assert.ok(tarball, `npm pack wrote ${readdirSync(dir).join(', ')}`);
  return join(dir, tarball);
}

/** A new project in `app` with `npm install <tarball>` (plus `flags`, e.g. --omit=optional) done; returns tunelab's installed folder. */
export function installTarball(app: string, tarball: string, flags: string[] = []): string {
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tunelab-user', version: '1.0.0', private: true }));
  const install = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', ...flags, tarball], app, 1_200_000);
  assert.equal(install.status, 0, `npm install of the tarball failed:\n${install.stdout.slice(-3000)}\n${install.stderr.slice(-6000)}`);
  return join(app, 'node_modules', 'tunelab');
}
