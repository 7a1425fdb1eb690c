// The kernel type-checks every cell, so whatever tunelab's .d.ts files reach is parsed by the first
// cell that imports tunelab. These tests type-check cells against the built declarations (dist/,
// build with `npm run build` first) with the compiler options tslab's converter uses, and check that
// @tensorflow/tfjs's declarations (about 600 files) are loaded only by a cell that asks for them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT, assertBuilt } from './helpers';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-decl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const DIST_SRC = path.join(ROOT, 'dist', 'src').split(path.sep).join('/');
const DIST_WIDGETS = path.join(ROOT, 'dist', 'widgets', 'kernel').split(path.sep).join('/');

/** Type-checks one cell-like file the way tslab's converter does; returns the files it loaded and the errors. */
function check(name: string, code: string): { files: string[]; errors: string[] } {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    // Resolve @types and @tensorflow from the project, as a notebook next to it would.
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    types: ['node'],
    paths: { '*': [path.join(ROOT, 'node_modules', '*')] },
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return { files: program.getSourceFiles().map((f) => f.fileName), errors };
}

const fromTensorflow = (files: string[]) => files.filter((f) => f.includes('/@tensorflow/'));

describe('declarations a notebook cell sees', () => {
  it('importing tunelab, tunelab/models and tunelab/widgets loads no @tensorflow declarations, and the public API type-checks', () => {
    assertBuilt();
    const { files, errors } = check(
      'publicApi.ts',
      `import { createStudy, mlp, backendInfo, useBackend, type BackendInfo, type Trial } from '${DIST_SRC}';
import type { TfModelHandle } from '${DIST_SRC}/entries/models';
import { IntSlider } from '${DIST_WIDGETS}';
export async function cell(): Promise<void> {
  const study = await createStudy({ direction: 'maximize' });
  const name: string = study.studyName;
  const objective = (trial: Trial): number => trial.suggestFloat('x', 0, 1) + trial.study.directions.length;
  await study.optimize(objective, { nTrials: 1 });
  const net = mlp({ hiddenUnits: 8, epochs: 1 });
  const model: TfModelHandle | null = net.tfModel;
  const layers: number | undefined = model?.layers.length;
  const info: Promise<BackendInfo> = backendInfo();
  void [name, layers, info, useBackend, IntSlider];
}
`,
    );
    assert.deepEqual(errors, []);
    assert.ok(
      files.some((f) => f.startsWith(DIST_SRC)),
      'the cell should have loaded tunelab from dist/src',
    );
    assert.deepEqual(fromTensorflow(files), []);
  });

  it("tfModel casts to tfjs's LayersModel when the cell imports tfjs's types itself", () => {
    assertBuilt();
    const { files, errors } = check(
      'tfModel.ts',
      `import type * as tf from '@tensorflow/tfjs';
import { mlp } from '${DIST_SRC}';
const net = mlp({ hiddenUnits: 8, epochs: 1 });
const model = net.tfModel as tf.LayersModel | null;
const weights: tf.Tensor[] | undefined = model?.getWeights();
void weights;
`,
    );
    assert.deepEqual(errors, []);
    assert.ok(fromTensorflow(files).length > 0, 'importing @tensorflow/tfjs in the cell loads its declarations');
  });

  it('internal members and tfjs-typed helpers are not in the declarations', () => {
    assertBuilt();
    const { errors } = check(
      'internals.ts',
      `import { loadTf } from '${DIST_SRC}/backend';
import { createStudy } from '${DIST_SRC}';
export async function cell(): Promise<void> {
  const study = await createStudy();
  study.liveTrial(0);
  void loadTf;
}
`,
    );
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0], /has no exported member 'loadTf'/);
    assert.match(errors[1], /Property 'liveTrial' does not exist on type 'Study'/);
  });
});
