// Issue 16 in a real notebook cell: tunelab's kernel type-checks each cell (tslab's TypeScript), so a
// misspelt model option is a TypeScriptError naming the key before anything trains, and a branch()
// space narrows by its tag. Needs the build (`npm run build`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { resultText, run, startKernel } from './helpers';

describe('tunelab kernel: typed options and spaces in cells', () => {
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
    return `${String(r.reply.content.evalue)}\n${JSON.stringify(r.reply.content.traceback ?? [])}`;
  }

  it("the issue's cell, mlp({ hiddenUnit: 32, learningrate: 0.5 }), does not compile, naming the keys", async () => {
    assert.match(await typeError("import { mlp } from 'tunelab';\nconst net = mlp({ hiddenUnit: 32 });"), /hiddenUnit/);
    assert.match(
      await typeError("import { mlp } from 'tunelab';\nconst net2 = mlp({ hiddenUnits: 32, learningrate: 0.5 });"),
      /learningrate/,
    );
    assert.match(
      await typeError("import { SVC } from 'tunelab';\nconst svc = new SVC({ c: 1 });"),
      /'c' does not exist.*Did you mean to write 'C'/s,
    );
  });

  it('a misspelt search-space key is caught where the space meets the model', async () => {
    const evalue = await typeError(
      [
        "import { mlp, space, int, float, createStudy } from 'tunelab';",
        'const s1 = space({ hiddenUnits: int(8, 64), learningrate: float(1e-4, 1e-1, { log: true }) });',
        'const study1 = await createStudy();',
        'await study1.optimize((trial) => { mlp(s1.suggest(trial)); return 0; }, { nTrials: 1 });',
      ].join('\n'),
    );
    assert.match(evalue, /learningrate/);
  });

  it('a branch() space runs in a cell, and its value narrows by kind', async () => {
    const r = await run(
      k,
      [
        "import { space, branch, float, int, createStudy, RandomSampler } from 'tunelab';",
        'const s2 = space({ model: branch({ svm: { C: float(1e-3, 1e3, { log: true }) }, tree: { depth: int(1, 10) } }) });',
        'const study2 = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });',
        'await study2.optimize((trial) => { const p = s2.suggest(trial); return p.model.kind === "svm" ? p.model.C : p.model.depth; }, { nTrials: 8 });',
        "study2.trials.map((t) => Object.keys(t.params).sort().join('+')).sort().filter((v, i, a) => a.indexOf(v) === i).join(' | ')",
      ].join('\n'),
    );
    assert.equal(resultText(r), "'model+model.svm.C | model+model.tree.depth'");
    assert.match(await typeError('const wrong: number = s2.suggest(null as never).model.C;'), /Property 'C' does not exist/);
  });
});
