/**
 * `tunelab worker --storage URL --study NAME objective.ts [options]`: join a study stored in a
 * database and run trials until --n-trials / --timeout / the sampler says stop. Start it on as many
 * machines as you like; they coordinate through the database (trial numbers, WAITING trials, grid
 * points), and heartbeats let the others fail (and optionally retry) the trials of a worker that dies.
 *
 * The objective module default-exports the objective (or names it with --export) and may also export
 * `sampler` and `pruner` to use instead of the defaults.
 */
import { TunelabError } from '../errors';
import type { Pruner } from '../pruners/base';
import type { Sampler } from '../samplers/base';
import type { Objective, Study } from '../study';
import { createStudy, loadStudy } from '../study/lifecycle';
import { TrialState } from '../frozenTrial';
import { loadModule, loadObjective, objectiveFromModule } from '../parallel/moduleObjective';
import { RetryHeartbeatStaleTrialCallback } from '../parallel/retry';
import { THREAD_ERROR_CLASSES } from '../parallel/protocol';
import { numberOption, parseCommandLine, UsageError } from './args';

const USAGE = `usage: tunelab worker --storage URL --study NAME OBJECTIVE_MODULE [options]

Run trials of a stored study with the objective exported by OBJECTIVE_MODULE (.ts or .js).
  --n-trials N            trials to run (default: until stopped)
  --timeout SECONDS       stop starting trials after this long
  --export NAME           export holding the objective (default: the default export)
  --direction DIR         create the study if it does not exist (minimize | maximize)
  --heartbeat-interval S  seconds between heartbeats of a running trial (default 10)
  --grace-period S        seconds without heartbeat before a trial counts as dead (default 2 x interval)
  --retry-failed          re-queue trials of dead workers (RetryHeartbeatStaleTrialCallback)
  --max-retry N           with --retry-failed: retry a trial at most N times
  --workers K             run K trials at once in worker threads (CPU-bound objectives)
  --catch NAMES           error classes (comma-separated names, e.g. RangeError,TypeError; Error for
                          all) recorded as FAIL while the worker goes on; any other error is recorded
                          as FAIL and ends the worker (Optuna's optimize(catch=...))
The module may also export 'sampler' and 'pruner' to use for this worker.`;

interface WorkerConfig {
  storage: string;
  studyName: string;
  modulePath: string;
  exportName: string;
  nTrials?: number;
  timeout?: number;
  direction?: 'minimize' | 'maximize';
  heartbeatInterval: number;
  gracePeriod?: number;
  retry: boolean;
  maxRetry?: number;
  workers?: number;
  /** Names of the error classes optimize's `catch` lets through (empty: none, as Optuna's default). */
  catchNames: string[];
}

const WORKER_OPTIONS = {
  storage: { type: 'string' },
  study: { type: 'string' },
  'n-trials': { type: 'string' },
  timeout: { type: 'string' },
  export: { type: 'string' },
  direction: { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'grace-period': { type: 'string' },
  'max-retry': { type: 'string' },
  workers: { type: 'string' },
  catch: { type: 'string' },
  'retry-failed': { type: 'boolean' },
} as const;

function readConfig(argv: string[]): WorkerConfig {
  const { values, positionals } = parseCommandLine(argv, WORKER_OPTIONS);
  const { storage, study: studyName, direction, catch: catchFlag } = values;
  if (storage === undefined) throw new UsageError('--storage URL is required.');
  if (studyName === undefined) throw new UsageError('--study NAME is required.');
  if (positionals.length !== 1) throw new UsageError('give exactly one objective module (e.g. objective.ts).');
  if (direction !== undefined && direction !== 'minimize' && direction !== 'maximize') {
    throw new UsageError(`--direction must be minimize or maximize, got '${direction}'.`);
  }
  if (catchFlag !== undefined && !/^\s*[A-Za-z_$][\w$]*(\s*,\s*[A-Za-z_$][\w$]*)*\s*$/.test(catchFlag)) {
    throw new UsageError(`--catch takes error class names separated by commas (e.g. RangeError,TypeError or Error), got '${catchFlag}'.`);
  }
  return {
    catchNames: catchFlag !== undefined ? catchFlag.split(',').map((n) => n.trim()) : [],
    storage,
    studyName,
    modulePath: positionals[0],
    exportName: values.export ?? 'default',
    nTrials: numberOption('n-trials', values['n-trials'], { integer: true, min: 0 }),
    timeout: numberOption('timeout', values.timeout, { min: 0 }),
    direction,
    heartbeatInterval: numberOption('heartbeat-interval', values['heartbeat-interval'], { min: 0.001 }) ?? 10,
    gracePeriod: numberOption('grace-period', values['grace-period'], { min: 0.001 }),
    retry: values['retry-failed'] === true,
    maxRetry: numberOption('max-retry', values['max-retry'], { integer: true, min: 0 }),
    workers: numberOption('workers', values.workers, { integer: true, min: 1 }),
  };
}

export async function runWorker(config: WorkerConfig): Promise<Study> {
  const ref = objectiveFromModule(config.modulePath, config.exportName);
  const mod = loadModule(ref.modulePath);
  const objective = loadObjective<Objective>(ref);
  const common = {
    studyName: config.studyName,
    storage: config.storage,
    sampler: mod.sampler as Sampler | undefined,
    pruner: mod.pruner as Pruner | undefined,
    heartbeatInterval: config.heartbeatInterval,
    gracePeriod: config.gracePeriod,
    heartbeatStaleTrialCallback: config.retry ? new RetryHeartbeatStaleTrialCallback({ maxRetry: config.maxRetry }) : undefined,
  };
  const study = config.direction
    ? await createStudy({ ...common, direction: config.direction, loadIfExists: true })
    : await loadStudy(common);
  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    console.error('tunelab worker: stopping after the running trial (interrupt again to quit now).');
    study.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await study.optimize(config.workers ? ref : objective, {
      nTrials: config.nTrials,
      timeout: config.timeout,
      workers: config.workers,
      showProgressBar: false,
      catch: (err: unknown) => errorClassNames(err).some((n) => config.catchNames.includes(n)),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return study;
}

/** The names of an error's class and its ancestors (for one from a worker thread, those it carries). */
function errorClassNames(err: unknown): string[] {
  if (typeof err !== 'object' || err === null) return [];
  const fromThread = (err as { [THREAD_ERROR_CLASSES]?: string[] })[THREAD_ERROR_CLASSES];
  if (fromThread) return fromThread;
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(err) as { constructor?: { name?: string } } | null; p; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name) names.push(p.constructor.name);
  }
  return names;
}

export async function main(_command: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let config: WorkerConfig;
  try {
    config = readConfig(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tunelab worker: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  try {
    const study = await runWorker(config);
    const complete = study.trials.filter((t) => t.state === TrialState.COMPLETE);
    const best = complete.length > 0 && !study.isMultiObjective ? `; best value ${study.bestValue}` : '';
    console.log(`tunelab worker ${process.pid}: done; study '${study.studyName}' has ${study.trials.length} trials${best}.`);
    await study.storage.close();
    return 0;
  } catch (err) {
    if (err instanceof TunelabError) {
      console.error(`tunelab worker: ${err.message}`);
      return 1;
    }
    // The objective threw an error not listed in --catch: the trial was recorded FAIL (and logged).
    const what = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
    console.error(
      `tunelab worker: stopped by an error of the objective (recorded as a FAIL trial):\n${what}\n` +
        'Pass --catch with its class name (or --catch Error for every error) to record such failures and go on.',
    );
    return 1;
  }
}
