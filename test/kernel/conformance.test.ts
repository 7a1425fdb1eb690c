// Jupyter's kernel conformance suite (jupyter_kernel_test 0.7.0, from the pinned Python environment)
// against the installed tunelab kernelspec: every test that applies to a TypeScript kernel must
// pass. The samples live in test/kernel/conformance/test_tunelab_kernel.py.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, assertBuilt } from './helpers';
import { PYTHON, pythonEnv } from '../helpers/python';

/** What `python -m unittest -v` printed: one status per test method, and the summary's counts. */
interface UnittestReport {
  ran: number;
  failures: number;
  errors: number;
  skipped: number;
  statuses: Map<string, string>;
}

function parseUnittest(output: string): UnittestReport {
  const ran = /^Ran (\d+) tests? in /m.exec(output);
  assert.ok(ran, `no "Ran N tests" line in the unittest output:\n${output}`);
  const summary = /^(OK|FAILED)(?: \((.*)\))?$/m.exec(output);
  assert.ok(summary, `no OK/FAILED summary in the unittest output:\n${output}`);
  const count = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(summary[2] ?? '')?.[1] ?? 0);
  const statuses = new Map<string, string>();
  // e.g. "test_pager (test_tunelab_kernel.TunelabKernelTests.test_pager) ... skipped 'No code page something'"
  for (const m of output.matchAll(/^(test_\w+) \([\w.]+\) \.\.\. (ok|FAIL|ERROR|skipped .*)$/gm)) statuses.set(m[1], m[2]);
  return { ran: Number(ran[1]), failures: count('failures'), errors: count('errors'), skipped: count('skipped'), statuses };
}

// Every test of jupyter_kernel_test.KernelTests 0.7.0, and whether it applies to TypeScript.
const APPLICABLE = [
  'test_kernel_info',
  'test_execute_stdout',
  'test_execute_stderr',
  'test_completion',
  'test_is_complete',
  'test_error',
  'test_execute_result',
  'test_display_data',
  'test_history',
  'test_inspect',
  'test_clear_output',
];
/** The pager payload is IPython's `?`/`%page` machinery: TypeScript has no syntax for it. */
const NOT_APPLICABLE = { test_pager: "skipped 'No code page something'" };

describe("Jupyter's kernel conformance suite (jupyter_kernel_test 0.7.0)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-conformance-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every test that applies to a TypeScript kernel', () => {
    assertBuilt();
    const prefix = path.join(dir, 'prefix');
    const install = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], {
      encoding: 'utf8',
    });
    assert.equal(install.status, 0, install.stderr);
    const version = spawnSync(PYTHON, ['-c', 'import jupyter_kernel_test; print(jupyter_kernel_test.__version__)'], { encoding: 'utf8' });
    assert.equal(version.stdout.trim(), '0.7.0', version.stderr);

    const r = spawnSync(PYTHON, ['-m', 'unittest', '-v', 'test_tunelab_kernel'], {
      cwd: path.join(ROOT, 'test', 'kernel', 'conformance'),
      env: pythonEnv({
        JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'),
        // The suite's own history, not the user's.
        TUNELAB_HISTORY_FILE: path.join(dir, 'history.sqlite'),
        PYTHONDONTWRITEBYTECODE: '1',
      }),
      encoding: 'utf8',
      timeout: 300_000,
    });
    const output = `${r.stdout}${r.stderr}`; // unittest reports on stderr
    const report = parseUnittest(output);
    assert.equal(report.failures, 0, output);
    assert.equal(report.errors, 0, output);
    assert.equal(report.ran, APPLICABLE.length + Object.keys(NOT_APPLICABLE).length, output);
    for (const name of APPLICABLE) assert.equal(report.statuses.get(name), 'ok', `${name}\n${output}`);
    // Skips (subtests included) are only the ones that do not apply, for the reason given.
    assert.equal(report.skipped, Object.keys(NOT_APPLICABLE).length, output);
    for (const [name, status] of Object.entries(NOT_APPLICABLE)) assert.equal(report.statuses.get(name), status, output);
    assert.equal(r.status, 0, output);
    console.log(
      `jupyter_kernel_test: ran ${report.ran}, passed ${APPLICABLE.length}, failures ${report.failures}, errors ${report.errors}, ` +
        `skipped ${report.skipped} (${Object.entries(NOT_APPLICABLE)
          .map(([n, s]) => `${n}: ${s}`)
          .join('; ')})`,
    );
  });
});
