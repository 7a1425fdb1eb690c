import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PYTHON } from '../helpers/python';

/** Run a Python reference script (the pinned environment of python/requirements.txt: scikit-learn, PyTorch) with JSON in and out. */
export function python<T>(script: string, input: unknown): T {
  const r = spawnSync(PYTHON, [script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `python ${script} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
