/**
 * `pythonLog` against CPython's `math.log` (the pinned environment), to the bit: successive halving's
 * iteration counts are floors of these logarithms, which a single bit moves where the count of
 * candidates or resources is a power of the factor.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { correctlyRoundedLog, pythonLog } from '../../src/cv/pythonLog';
import { Rng } from '../../src/rng';
import { PYTHON } from '../helpers/python';

const PYTHON_LOGS = `
import json, math, sys
cases = json.load(sys.stdin)
print(json.dumps({"log": [math.log(x) for x in cases["xs"]], "logBase": [math.log(x, b) for x, b in cases["pairs"]]}))
`;

describe('pythonLog: math.log as CPython computes it', () => {
  it('gives CPython’s logarithms bit for bit, powers of the factor included', () => {
    const rng = new Rng(7);
    const xs: number[] = [2, 3, 5, 10, 0.1, 0.5, 1, 1.5, 2.5, 1e-300, 1e308, Number.MAX_VALUE, 1 + 2 ** -52, 1 - 2 ** -53, 2 ** -1022];
    for (let i = 0; i < 300; i++) xs.push(rng.random() * 10 ** rng.int(-20, 20), rng.int(1, 1_000_000));
    const pairs: [number, number][] = [];
    for (const factor of [2, 3, 4, 5, 1.5, 2.5, 7, 10]) {
      for (let k = 0; k <= 20; k++)
        pairs.push(
          [Math.round(factor ** k), factor],
          [Math.round(factor ** k) + 1, factor],
          [Math.max(1, Math.round(factor ** k) - 1), factor],
        );
    }
    const r = spawnSync(PYTHON, ['-c', PYTHON_LOGS], { input: JSON.stringify({ xs, pairs }), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const reference = JSON.parse(r.stdout) as { log: number[]; logBase: number[] };
    xs.forEach((x, i) => assert.equal(correctlyRoundedLog(x), reference.log[i], `log(${x})`));
    pairs.forEach(([x, b], i) => assert.equal(pythonLog(x, b), reference.logBase[i], `log(${x}, ${b})`));
    // Where V8's own Math.log differs, and what it changes: floor(log(243, 3)) is 4 in Python, 5 from Math.log.
    assert.equal(Math.floor(pythonLog(243, 3)), 4);
    assert.notEqual(Math.log(3), correctlyRoundedLog(3), 'V8 still rounds log(3) down: this test’s reason to exist');
  });
});
