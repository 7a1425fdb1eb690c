// Runs every test file (test/**/*.test.ts) with Node's built-in test runner, TypeScript loaded by tsx.
// Usage: node test/run.mjs [--unit] [substring ...]
//   substring: only files whose path contains one of the substrings
//   --unit:    only the fast tier (see isIntegration): no root, no Python, no browser, no build
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => a !== '--unit');

// A test file belongs to the integration tier when it reaches anything outside this process's engine
// code: the pinned Python environment, PostgreSQL, Chromium, the optuna-dashboard, a notebook run,
// child processes or worker threads (an `objectiveFromModule` objective runs in them), or the built
// dist/ (which needs `npm run build`; imported from '../../dist/...' or reached through a 'dist' path
// segment). The tier is read from the file's imports rather than declared, so a file cannot claim to
// be fast and then start a server.
const INTEGRATION_MARKERS =
  /helpers\/(python|postgres|dashboard|notebook|redis)|\/python['"]|widgets\/browser|child_process|startKernel|tsx\/esm|new Worker\(|\bDIST_SRC\b|['"]\.\.\/\.\.\/dist\/|['"]dist['"]|objectiveFromModule\(/;
function isIntegration(file) {
  return INTEGRATION_MARKERS.test(readFileSync(join(root, file), 'utf8'));
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'artifacts' || name === 'fixtures' ? [] : walk(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !unitOnly || !isIntegration(f))
  // Largest first: the runner starts files in this order on 2 slots, and a long file started last
  // would run alone at the end (file size is a rough but free guide to a file's run time).
  .map((f) => ({ f, size: statSync(join(root, f)).size }))
  .sort((a, b) => b.size - a.size || a.f.localeCompare(b.f))
  .map(({ f }) => f);
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Kernels started by the tests keep their input history in a file of this run, not in the user's
// ~/.local/share/tunelab/history.sqlite (tests that check the default location set their own).
const scratch = mkdtempSync(join(tmpdir(), 'tunelab-test-run-'));
const env = { ...process.env, TUNELAB_HISTORY_FILE: process.env.TUNELAB_HISTORY_FILE ?? join(scratch, 'history.sqlite') };
// Safety nets, so a wedged test fails the run instead of holding CI until its limit: no test, and no
// test file (Node applies the timeout to each file's process too), may take 40 minutes (the slowest
// file takes about 2 on an idle machine, 15 under a load average of 20), and a test file whose tests
// are done exits even if it left a handle open (a kernel client a failed test never shut down).
const TEST_TIMEOUT_MS = 40 * 60 * 1000;
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-force-exit',
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env },
);
rmSync(scratch, { recursive: true, force: true });
process.exit(result.status ?? 1);
