/**
 * Optuna's gRPC storage proxy: milliseconds per trial of a worker talking to a proxy server, for
 * both clients (tunelab's GrpcStorageProxy, Optuna 5.0's GrpcStorageProxy) against both servers
 * (Optuna's `run_grpc_proxy_server`, tunelab's `runGrpcProxyServer`), each server in a process of its
 * own in front of a fresh SQLite file whose study is pre-filled with PREFILL finished trials.
 * RandomSampler and a trivial two-parameter objective on both sides, so a trial's time is the
 * client, the protocol and the server (each library's own bookkeeping included). Every round times
 * the four (client, server) pairs back to back, alternating which client goes first, so a drift of
 * the machine's speed touches all four alike. Figures: the median over rounds.
 *
 *   npx tsx bench/grpc-proxy.ts [--rounds 3] [--trials 200] [--prefill 1000]
 *
 * tunelab's server runs from the compiled package (dist/, built first with the `tsc` of
 * `npm run build`). Writes bench/results/grpc-proxy.json.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createStudy,
  floatDistribution,
  frozenTrial,
  intDistribution,
  loadStudy,
  RandomSampler,
  TrialState,
  logging,
  setVerbosity,
} from '../src';
import { GrpcStorageProxy } from '../src/storage';
import { freeLoopbackPort } from '../test/helpers/async';
import { proxyAnswers, startOptunaGrpcServer } from '../test/helpers/optunaGrpcServer';
import { PYTHON } from '../test/helpers/python';
import { numberArg } from './args';
import { median } from './stats';

setVerbosity(logging.WARNING);
const ROOT = join(__dirname, '..');
const ROUNDS = numberArg('rounds', 3);
const TRIALS = numberArg('trials', 200);
const PREFILL = numberArg('prefill', 1000);
const execFileAsync = promisify(execFile);

type Side = 'tunelab' | 'optuna';

/** A proxy server of `side` in its own process, in front of `db`, once it answers. */
async function startServer(side: Side, db: string): Promise<{ port: number; stop: () => void }> {
  if (side === 'optuna') return startOptunaGrpcServer(db);
  const port = await freeLoopbackPort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require(process.argv[1]).runGrpcProxyServer(process.argv[2], { port: Number(process.argv[3]) })`,
      join(ROOT, 'dist/src/entries/storage.js'),
      db,
      String(port),
    ],
    { stdio: 'ignore' },
  );
  try {
    await proxyAnswers(port);
  } catch (e) {
    child.kill();
    throw e;
  }
  return { port, stop: () => child.kill() };
}

/** A fresh SQLite file holding study 'bench' with PREFILL finished trials shaped as the objective's. */
async function freshDatabase(dir: string, name: string): Promise<string> {
  const url = `sqlite:///${join(dir, `${name}.db`)}`;
  const study = await createStudy({ storage: url, studyName: 'bench' });
  const [x, y] = [floatDistribution(-10, 10), intDistribution(0, 100)];
  const now = Date.now();
  await study.addTrials(
    Array.from({ length: PREFILL }, (_, i) => {
      const xv = ((i * 7919) % 2000) / 100 - 10;
      const yv = (i * 31) % 101;
      return frozenTrial({
        trialId: -1,
        number: -1,
        state: TrialState.COMPLETE,
        values: [xv + yv],
        datetimeStart: new Date(now),
        datetimeComplete: new Date(now),
        params: { x: xv, y: yv },
        internalParams: { x: xv, y: yv },
        distributions: { x, y },
        intermediateValues: new Map(),
        userAttrs: {},
        systemAttrs: {},
      });
    }),
  );
  await study.storage.close();
  return url;
}

const OPTUNA_CLIENT = `
import json, sys, time, warnings, optuna
warnings.filterwarnings('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
from optuna.storages import GrpcStorageProxy
storage = GrpcStorageProxy(host='localhost', port=int(sys.argv[1]))
study = optuna.load_study(study_name='bench', storage=storage, sampler=optuna.samplers.RandomSampler())
study.trials
def objective(t):
    return t.suggest_float('x', -10, 10) + t.suggest_int('y', 0, 100)
t0 = time.perf_counter()
study.optimize(objective, n_trials=int(sys.argv[2]))
print(json.dumps((time.perf_counter() - t0) * 1000 / int(sys.argv[2])))
storage.close()
`;

/** ms per trial of `client` against the server on `port` (the study loaded first, untimed). */
async function timeClient(client: Side, port: number): Promise<number> {
  if (client === 'optuna') {
    const { stdout } = await execFileAsync(PYTHON, ['-c', OPTUNA_CLIENT, String(port), String(TRIALS)]);
    return JSON.parse(stdout.trim());
  }
  const storage = new GrpcStorageProxy({ port });
  try {
    const study = await loadStudy({ storage, studyName: 'bench', sampler: new RandomSampler() });
    await study.refresh();
    const start = performance.now();
    await study.optimize((t) => t.suggestFloat('x', -10, 10) + t.suggestInt('y', 0, 100), { nTrials: TRIALS, showProgressBar: false });
    return (performance.now() - start) / TRIALS;
  } finally {
    await storage.close();
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-bench-grpc-'));
  const times: Record<string, number[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const clients: Side[] = round % 2 === 0 ? ['tunelab', 'optuna'] : ['optuna', 'tunelab'];
      for (const server of ['optuna', 'tunelab'] as Side[]) {
        for (const client of clients) {
          const db = await freshDatabase(dir, `r${round}-${server}-${client}`);
          const running = await startServer(server, db);
          try {
            const ms = await timeClient(client, running.port);
            (times[`${client} client, ${server} server`] ??= []).push(ms);
            console.log(`round ${round + 1}: ${client} client, ${server} server: ${ms.toFixed(2)} ms/trial`);
          } finally {
            running.stop();
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = Object.entries(times).map(([pair, ms]) => ({
    pair,
    medianMsPerTrial: +median(ms).toFixed(3),
    rounds: ms.map((m) => +m.toFixed(3)),
  }));
  console.table(rows);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'grpc-proxy.json'),
    JSON.stringify({ measured: new Date().toISOString(), rounds: ROUNDS, trials: TRIALS, prefill: PREFILL, rows }, null, 2) + '\n',
  );
}

void main();
