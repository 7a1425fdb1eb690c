/**
 * Python's int/float mark read from the JSON Python writes: the token scanner against Python's own
 * `isinstance(v, float)` on a document json.dumps wrote, the object splitter against JSON.parse, and
 * a categorical distribution Optuna 5.0 stored, read and written back by tunelab, against Optuna's
 * reading of what tunelab wrote.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { distributionFromJson, distributionToJson, isPythonFloatChoice } from '../../src/distributions';
import { numberTokenKinds, rawObjectMembers } from '../../src/pythonFloats';
import { PYTHON } from '../helpers/python';

const DUMPS_PY = `
import json
doc = {"a": [1, 1.0, -2.0, 1e-05, 1e20, 10**20, "2.0 and 3", {"b": 3.0, 'c"\\u00e9 1.5': [4, 5.5]}], "d": -0.0, "e": 7,
       "f": float("inf"), "g": float("-inf"), "h": True, "i": None}
kinds = []
def walk(v):
    if isinstance(v, bool) or v is None or isinstance(v, str): return
    if isinstance(v, (int, float)): kinds.append(isinstance(v, float)); return
    for x in (v.values() if isinstance(v, dict) else v): walk(x)
walk(doc)
print(json.dumps({"text": json.dumps(doc), "kinds": kinds}))
`;

const CATEGORICAL_PY = `
import json, sys
from optuna.distributions import CategoricalDistribution, distribution_to_json, json_to_distribution
if sys.argv[1] == 'write':
    print(distribution_to_json(CategoricalDistribution([0.0, 1, 2.5, 'a', None, True, -3.0, 1e20])))
else:
    d = json_to_distribution(sys.argv[2])
    print(json.dumps([type(c).__name__ for c in d.choices]))
`;

describe("Python's int/float mark in JSON", () => {
  it('numberTokenKinds: each number as Python wrote it, in the order JSON.parse meets it', () => {
    const { text, kinds } = JSON.parse(execFileSync(PYTHON, ['-c', DUMPS_PY], { encoding: 'utf8' })) as { text: string; kinds: boolean[] };
    assert.deepEqual(numberTokenKinds(text), kinds);
    assert.ok(kinds.includes(true) && kinds.includes(false), `floats and ints both present: ${text}`);
  });

  it('rawObjectMembers: each member as written, which parses to what JSON.parse gives', () => {
    const text = '{"a": [1, {"x": "}],"}], "b\\"": {"c": 2.0}, "d": "e:f", "g": 3.0 }';
    const members = rawObjectMembers(text)!;
    assert.deepEqual(
      members.map(([k]) => k),
      ['a', 'b"', 'd', 'g'],
    );
    assert.deepEqual(Object.fromEntries(members.map(([k, v]) => [k, JSON.parse(v)])), JSON.parse(text));
    assert.deepEqual(
      members.map(([, v]) => v),
      ['[1, {"x": "}],"}]', '{"c": 2.0}', '"e:f"', '3.0'],
    );
    assert.equal(rawObjectMembers('[1, 2]'), null);
    assert.equal(rawObjectMembers('{"a": '), null);
  });

  it("a categorical distribution Optuna stored keeps its float choices through tunelab's reading and writing", () => {
    const stored = execFileSync(PYTHON, ['-c', CATEGORICAL_PY, 'write'], { encoding: 'utf8' }).trim();
    const d = distributionFromJson(stored, 'c');
    assert.equal(d.kind, 'categorical');
    const marks = d.kind === 'categorical' ? d.choices.map((_, i) => isPythonFloatChoice(d, i)) : [];
    assert.deepEqual(marks, [true, false, true, false, false, false, true, true]);
    const written = distributionToJson(d);
    const types = JSON.parse(execFileSync(PYTHON, ['-c', CATEGORICAL_PY, 'read', written], { encoding: 'utf8' })) as string[];
    assert.deepEqual(types, ['float', 'int', 'float', 'str', 'NoneType', 'bool', 'float', 'float']);
    // A distribution made in JavaScript has no marks: its integral numbers are written as ints.
    assert.equal(
      distributionToJson(distributionFromJson('{"name": "CategoricalDistribution", "attributes": {"choices": [1, 2]}}')),
      '{"name":"CategoricalDistribution","attributes":{"choices":[1,2]}}',
    );
  });
});
