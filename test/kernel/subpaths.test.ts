// Subpath entries in a real notebook cell: `import ... from 'tunelab/samplers'` (and the other
// entries of package.json "exports") resolves, wherever the notebook lies, both for tslab's type
// checker (Node10 resolution, through "typesVersions") and at run time (the kernel's resolver,
// through "exports"), to the same copy of tunelab as 'tunelab'. Needs the build (`npm run build`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { resultText, run, startKernel } from './helpers';

describe('tunelab kernel: subpath entries in cells', () => {
  let k: KernelClient;
  before(async () => {
    k = await startKernel();
  });
  after(async () => {
    await k.shutdown();
  });

  async function typeError(code: string): Promise<string> {
    const r = await k.execute(code);
    assert.equal(r.reply.content.status, 'error', `the cell should not compile:\n${code}`);
    assert.equal(r.reply.content.ename, 'TypeScriptError', JSON.stringify(r.reply.content));
    return String(r.reply.content.evalue);
  }

  it("a study built from 'tunelab/samplers', 'tunelab/pruners' and 'tunelab/storage' runs, typed, with the root's classes", async () => {
    const r = await run(
      k,
      [
        "import { createStudy, TPESampler as RootTPESampler } from 'tunelab';",
        "import { TPESampler, defaultGamma, type TPESamplerOptions } from 'tunelab/samplers';",
        "import { MedianPruner, type PercentilePrunerOptions } from 'tunelab/pruners';",
        "import { InMemoryStorage, type Storage } from 'tunelab/storage';",
        'const samplerOptions: TPESamplerOptions = { seed: 4, nStartupTrials: 3, gamma: defaultGamma };',
        'const prunerOptions: PercentilePrunerOptions = { nStartupTrials: 2 };',
        'const storage: Storage = new InMemoryStorage();',
        'const subStudy = await createStudy({ storage, sampler: new TPESampler(samplerOptions), pruner: new MedianPruner(prunerOptions) });',
        "await subStudy.optimize((t) => (t.suggestFloat('x', -2, 2) - 1) ** 2, { nTrials: 6, showProgressBar: false });",
        'JSON.stringify({ trials: subStudy.trials.length, sameClass: TPESampler === RootTPESampler, tpe: subStudy.sampler instanceof RootTPESampler })',
      ].join('\n'),
    );
    assert.equal(resultText(r), `'{"trials":6,"sameClass":true,"tpe":true}'`);
  });

  it('the types of a subpath are checked (a misspelt option names the key), and the root no longer offers internals', async () => {
    assert.match(
      await typeError("import type { TPESamplerOptions } from 'tunelab/samplers';\nconst wrongOptions: TPESamplerOptions = { seedz: 1 };"),
      /seedz/,
    );
    assert.match(
      await typeError("import { completedRungKey } from 'tunelab';\ncompletedRungKey(0);"),
      /has no exported member 'completedRungKey'/,
    );
  });

  it("entries of other areas load in a cell: 'tunelab/visualization', 'tunelab/cv', 'tunelab/data', 'tunelab/models'", async () => {
    const r = await run(
      k,
      [
        "import { Figure, plotSlice } from 'tunelab/visualization';",
        "import { expandGrid, type ParamGrid } from 'tunelab/cv';",
        "import { iris } from 'tunelab/data';",
        "import { accuracy } from 'tunelab/models';",
        "const grid: ParamGrid = { C: [1, 10], kernel: ['rbf', 'linear'] };",
        'JSON.stringify({ figure: plotSlice(subStudy) instanceof Figure, grid: expandGrid(grid).length, rows: iris().X.length, acc: accuracy([0, 1, 1], [0, 1, 0]) })',
      ].join('\n'),
    );
    assert.equal(resultText(r), `'{"figure":true,"grid":4,"rows":150,"acc":0.6666666666666666}'`);
  });
});
