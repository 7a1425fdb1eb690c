// papermill (2.7, the pinned environment) executes a tunelab notebook with parameters through the
// installed kernelspec. papermill ships no TypeScript translator; python/papermill-tunelab (installed
// in the environment by python/requirements.txt) registers one, and these tests check what it injects
// against what papermill itself recorded as the parameters.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, assertBuilt } from './helpers';
import { pythonBin, pythonEnv } from '../helpers/python';
import { tunelabNotebook } from '../helpers/notebook';

type Json = Record<string, unknown>;
interface Cell {
  cell_type: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: Json[];
}

const text = (v: unknown) => (Array.isArray(v) ? v.join('') : String(v ?? ''));

const PARAMETERS = "const FULL = false;\nconst TRIALS = 10;\nconst LABEL: string = 'quick'; // what the run is called";
const BRANCH =
  'if (FULL) {\n  console.log(`FULL=true branch: ${TRIALS} trials`);\n} else {\n  console.log("FULL=false branch");\n}\n' +
  'console.log(JSON.stringify({ FULL, TRIALS, LABEL, ...(typeof EXTRA === "undefined" ? {} : { EXTRA }) }));';

describe('papermill executes tunelab notebooks with parameters', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-papermill-'));
  const prefix = path.join(dir, 'prefix');
  const notebook = path.join(dir, 'params.ipynb');
  const env = pythonEnv({ JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), TUNELAB_HISTORY_FILE: ':memory:' });

  before(() => {
    assertBuilt();
    const install = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], {
      encoding: 'utf8',
    });
    assert.equal(install.status, 0, install.stderr);
    // EXTRA is only ever given as a parameter: the cell reads it through `declare`.
    writeFileSync(
      notebook,
      JSON.stringify(tunelabNotebook(['declare const EXTRA: unknown;', { source: PARAMETERS, tags: ['parameters'] }, BRANCH])),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function papermill(name: string, args: string[]): { nb: { cells: Cell[]; metadata: Json }; stderr: string } {
    const out = path.join(dir, `${name}.ipynb`);
    const r = spawnSync(pythonBin('papermill'), [notebook, out, '-k', 'tunelab', ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(r.status, 0, `papermill ${args.join(' ')} failed:\n${r.stderr}`);
    return { nb: JSON.parse(readFileSync(out, 'utf8')) as { cells: Cell[]; metadata: Json }, stderr: r.stderr };
  }

  /** The injected cell (right after the parameters cell) and what the branch cell printed. */
  function outcome(nb: { cells: Cell[] }): { injected?: Cell; printed: string } {
    const at = nb.cells.findIndex((c) => c.metadata.tags?.includes('parameters'));
    assert.ok(at >= 0, 'the parameters cell is still there');
    const next = nb.cells[at + 1];
    const injected = next.metadata.tags?.includes('injected-parameters') ? next : undefined;
    const branch = nb.cells[injected ? at + 2 : at + 1];
    return { injected, printed: (branch.outputs ?? []).map((o) => text(o.text)).join('') };
  }

  it('-p FULL true: parameters injected as TypeScript after the parameters cell, and the FULL=true branch runs', () => {
    const { nb } = papermill('full', ['-p', 'FULL', 'true']);
    const { injected, printed } = outcome(nb);
    assert.ok(injected, 'papermill injected a cell tagged injected-parameters');
    // papermill's -p keeps `true` as the string "true" (its CLI reads True/False as booleans);
    // the translator writes exactly the value papermill holds.
    assert.equal(text(injected.source), '// Parameters\nlet FULL = "true";\n');
    assert.deepEqual((nb.metadata.papermill as Json).parameters, { FULL: 'true' });
    assert.equal(printed, 'FULL=true branch: 10 trials\n{"FULL":"true","TRIALS":10,"LABEL":"quick"}\n');
  });

  it('typed values (booleans, numbers, strings with quotes and non-ASCII, null, lists, objects) reach the notebook as papermill holds them', () => {
    const yaml = 'EXTRA: {grid: [0.1, 0.01], layers: null, name: "caf\u00e9 \\"A\\"\\nline 2", flags: [true, false]}';
    const { nb } = papermill('typed', ['-p', 'FULL', 'True', '-p', 'TRIALS', '200', '-p', 'LABEL', 'say "hi"\tnow', '-y', yaml]);
    const { injected, printed } = outcome(nb);
    assert.ok(injected);
    const recorded = (nb.metadata.papermill as Json).parameters as Json;
    assert.equal(recorded.FULL, true);
    const lines = printed.trimEnd().split('\n');
    assert.equal(lines[0], 'FULL=true branch: 200 trials');
    // What the TypeScript cell sees is exactly what papermill recorded as the parameters.
    assert.deepEqual(JSON.parse(lines[1]), recorded);
    // One `let` per parameter (in the order papermill merges -y before -p), as TypeScript literals.
    const [comment, ...declarations] = text(injected.source).trimEnd().split('\n');
    assert.equal(comment, '// Parameters');
    assert.deepEqual(declarations.sort(), [
      'let EXTRA = {"grid": [0.1, 0.01], "layers": null, "name": "caf\\u00e9 \\"A\\"\\nline 2", "flags": [true, false]};',
      'let FULL = true;',
      'let LABEL = "say \\"hi\\"\\tnow";',
      'let TRIALS = 200;',
    ]);
  });

  it('without parameters the notebook runs as written (the FULL=false branch)', () => {
    const { nb } = papermill('plain', []);
    const { injected, printed } = outcome(nb);
    assert.equal(injected, undefined);
    assert.equal(printed, 'FULL=false branch\n{"FULL":false,"TRIALS":10,"LABEL":"quick"}\n');
  });

  it('papermill --help-notebook lists the TypeScript parameters; a name that is not an identifier is refused with a reason', () => {
    const help = spawnSync(pythonBin('papermill'), ['--help-notebook', notebook], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /FULL: Unknown type \(default false\)/);
    assert.match(help.stdout, /LABEL: string \(default 'quick'\)\s+what the run is called/);
    const bad = spawnSync(pythonBin('papermill'), [notebook, path.join(dir, 'bad.ipynb'), '-k', 'tunelab', '-p', 'not-a-name', '1'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /parameter name 'not-a-name' is not a TypeScript identifier/);
  });
});
