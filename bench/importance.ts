/**
 * Parameter-importance speed, tunelab vs Optuna 5.0, on identical trials: fANOVA (64 trees, as
 * Optuna's FanovaImportanceEvaluator) and mean decrease in impurity, plus tunelab's fANOVA with all
 * pairwise interactions (Optuna 5.0 has no interactions). Also records whether the rankings agree.
 * Run: npx tsx bench/importance.ts   (about two minutes, mostly Optuna; results in bench/results/importance.json)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStudy, distributionToJson, fanova, RandomSampler, TrialState, type Study } from '../src';
import { PYTHON } from '../test/helpers/python';

const REPEATS = 3;
/** Optuna's fANOVA takes over a minute at 1,000 trials, so that case is timed once there. */
const optunaRepeats = (nTrials: number) => (nTrials >= 1000 ? 1 : REPEATS);

/** Random trials over nParams floats of a function whose importances fall off geometrically. */
async function makeStudy(nTrials: number, nParams: number): Promise<Study> {
  const study = await createStudy({ sampler: new RandomSampler({ seed: nTrials * 100 + nParams }) });
  for (let i = 0; i < nTrials; i++) {
    const t = await study.ask();
    let value = 0;
    for (let j = 0; j < nParams; j++) {
      const x = t.suggestFloat(`x${j}`, 0, 1);
      value += 0.6 ** j * Math.sin(3 * x + j) + (j === 1 ? 0.3 * x * (t.params.x0 as number) : 0);
    }
    await study.tell(t, value);
  }
  return study;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeMs(run: () => unknown): number[] {
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times;
}

async function main() {
  const shapes: Array<[number, number]> = [
    [200, 4],
    [1000, 4],
    [200, 8],
  ];
  const cases = [];
  for (const [nTrials, nParams] of shapes) {
    cases.push({ name: `${nTrials} trials x ${nParams} params`, nTrials, study: await makeStudy(nTrials, nParams) });
  }

  const payload = {
    cases: cases.map(({ name, nTrials, study }) => ({
      name,
      repeats: optunaRepeats(nTrials),
      trials: study.trials
        .filter((t) => t.state === TrialState.COMPLETE)
        .map((t) => ({
          params: t.params,
          distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, distributionToJson(d)])),
          value: t.values![0],
        })),
    })),
  };
  const py = spawnSync(PYTHON, [join(__dirname, 'importance_optuna.py')], {
    input: JSON.stringify(payload),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (py.status !== 0) throw new Error(`Optuna side failed: ${py.stderr}`);
  const optuna = JSON.parse(py.stdout) as Record<
    string,
    { fanova_ms: number[]; mdi_ms: number[]; fanova: Record<string, number>; mdi: Record<string, number> }
  >;

  // Warm the JIT once so the first case is not charged for compilation.
  cases[0].study.importances();
  const rows = cases.map(({ name, study }) => {
    const ours = study.importances();
    const tFanova = median(timeMs(() => study.importances()));
    const tMdi = median(timeMs(() => study.importances({ evaluator: 'mdi' })));
    const tPairs = median(timeMs(() => fanova(study)));
    const peer = optuna[name];
    const row = {
      case: name,
      tunelabFanovaMs: +tFanova.toFixed(1),
      optunaFanovaMs: +median(peer.fanova_ms).toFixed(1),
      fanovaSpeedup: +(median(peer.fanova_ms) / tFanova).toFixed(1),
      tunelabMdiMs: +tMdi.toFixed(1),
      optunaMdiMs: +median(peer.mdi_ms).toFixed(1),
      mdiSpeedup: +(median(peer.mdi_ms) / tMdi).toFixed(1),
      tunelabFanovaWithAllPairsMs: +tPairs.toFixed(1),
      sameRanking: Object.keys(ours).join() === Object.keys(peer.fanova).join(),
      sameTop3: Object.keys(ours).slice(0, 3).join() === Object.keys(peer.fanova).slice(0, 3).join(),
      tunelabRanking: Object.keys(ours).join(' > '),
      optunaRanking: Object.keys(peer.fanova).join(' > '),
    };
    console.log(row);
    return row;
  });
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'importance.json'),
    JSON.stringify({ date: new Date().toISOString(), repeats: REPEATS, nTrees: 64, rows }, null, 2) + '\n',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
