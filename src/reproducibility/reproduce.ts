/**
 * `study.reproduce(n, objective)`: re-run a finished trial with its recorded parameters and seed and
 * say whether it gives the same result, bit for bit, and if not how far off it is and what differs
 * in the environment.
 *
 * The re-run happens in a scratch in-memory study that holds copies of the trials before n (so the
 * re-run trial has number n and sees the same earlier history) and trial n enqueued with its
 * recorded parameters and seed. A PRUNED trial is re-run with a pruner that prunes it at the step it
 * was pruned at, so its last intermediate value is compared.
 */
import type { Distribution } from '../distributions';
import { escapeHtml, reprSymbol, type MimeBundle } from '../display';
import { InvalidArgumentError } from '../errors';
import { formatNumber } from '../format';
import { checkOptionKeys, optionKeys } from '../options';
import { lastStep, TrialState, type FrozenTrial } from '../frozenTrial';
import type { Pruner } from '../pruners/base';
import { RandomSampler } from '../samplers/random';
import { InMemoryStorage, type Storage } from '../storage';
import type { CreateStudyOptions, Objective, Study } from '../study';
import type { StudyView } from '../study/view';
import { FAIL_REASON_KEY, FIXED_PARAMS_KEY } from '../trial';
import { ownValue, plainCopy } from '../dict';
import { captureEnvironment, diffEnvironments, ENVIRONMENT_KEY, type EnvironmentDifference } from './environment';
import { PRUNED_AFTER_REPORTS_KEY, recordedTrialSeed, TRIAL_SEED_KEY } from './studyRecords';

export interface ReproduceOptions {
  /** Directory whose git state is compared with the recorded one (default: the current directory). */
  cwd?: string;
}
const REPRODUCE_OPTION_KEYS = optionKeys<ReproduceOptions>({ cwd: true });

/** An intermediate value that differs between the recorded trial and its re-run. */
export interface StepDifference {
  step: number;
  recorded: number | null;
  reproduced: number | null;
}

export interface ReproduceReportData {
  trialNumber: number;
  /** The seed the trial ran with (recorded with it). */
  seed: number;
  params: Record<string, unknown>;
  recordedState: keyof typeof TrialState;
  reproducedState: keyof typeof TrialState;
  /** The recorded value (one per objective for multi-objective studies); a pruned trial's last intermediate value. */
  recorded: number | number[] | null;
  reproduced: number | number[] | null;
  /** Same state, bit-identical values and intermediate values. */
  identical: boolean;
  /** Largest absolute difference between recorded and reproduced values (0 when identical, Infinity when one is missing). */
  absDiff: number;
  /** absDiff relative to the recorded value's magnitude. */
  relDiff: number;
  intermediateDifferences: StepDifference[];
  /** Fields of the environment recorded with the study that differ from this process's. */
  environmentDifferences: EnvironmentDifference[];
  /** Why the re-run failed, when it did. */
  failReason: string | null;
  notes: string[];
}

/** The outcome of `study.reproduce`: the data, plus a readable text and HTML display. */
export class ReproduceReport implements ReproduceReportData {
  readonly trialNumber!: number;
  readonly seed!: number;
  readonly params!: Record<string, unknown>;
  readonly recordedState!: keyof typeof TrialState;
  readonly reproducedState!: keyof typeof TrialState;
  readonly recorded!: number | number[] | null;
  readonly reproduced!: number | number[] | null;
  readonly identical!: boolean;
  readonly absDiff!: number;
  readonly relDiff!: number;
  readonly intermediateDifferences!: StepDifference[];
  readonly environmentDifferences!: EnvironmentDifference[];
  readonly failReason!: string | null;
  readonly notes!: string[];

  constructor(data: ReproduceReportData) {
    Object.assign(this, data);
  }

  /** The verdict in one line. */
  get summary(): string {
    const head = `Trial ${this.trialNumber} (seed ${this.seed})`;
    if (this.identical) return `${head}: reproduced bit-identically (${show(this.reproduced)}).`;
    if (this.recordedState !== this.reproducedState) {
      return `${head}: NOT reproduced: recorded ${this.recordedState} ${show(this.recorded)}, re-run ${this.reproducedState} ${show(this.reproduced)}${this.failReason ? ` (${this.failReason})` : ''}.`;
    }
    return `${head}: NOT identical: recorded ${show(this.recorded)}, reproduced ${show(this.reproduced)} (abs diff ${formatNumber(this.absDiff)}, rel diff ${formatNumber(this.relDiff)}).`;
  }

  toString(): string {
    const lines = [this.summary];
    if (this.intermediateDifferences.length > 0) {
      const first = this.intermediateDifferences[0];
      lines.push(
        `  intermediate values differ at ${this.intermediateDifferences.length} step(s), first at step ${first.step}: ${show(first.recorded)} vs ${show(first.reproduced)}`,
      );
    }
    if (this.environmentDifferences.length === 0) lines.push('  environment: same as recorded');
    for (const d of this.environmentDifferences)
      lines.push(`  environment differs: ${d.key}: recorded ${JSON.stringify(d.recorded)}, now ${JSON.stringify(d.current)}`);
    for (const n of this.notes) lines.push(`  note: ${n}`);
    return lines.join('\n');
  }

  toJSON(): ReproduceReportData {
    return { ...this };
  }

  [reprSymbol](): MimeBundle {
    const row = (k: string, v: string) =>
      `<tr><th style="text-align:left">${escapeHtml(k)}</th><td style="text-align:left">${escapeHtml(v)}</td></tr>`;
    const rows = [
      row('verdict', this.identical ? 'bit-identical' : 'not identical'),
      row('recorded', `${this.recordedState} ${show(this.recorded)}`),
      row('reproduced', `${this.reproducedState} ${show(this.reproduced)}`),
      row('abs / rel diff', `${formatNumber(this.absDiff)} / ${formatNumber(this.relDiff)}`),
      row('seed', String(this.seed)),
      row('params', JSON.stringify(this.params)),
      row(
        'intermediate values',
        this.intermediateDifferences.length === 0 ? 'same' : `${this.intermediateDifferences.length} step(s) differ`,
      ),
      row(
        'environment',
        this.environmentDifferences.length === 0
          ? 'same as recorded'
          : this.environmentDifferences.map((d) => `${d.key}: ${JSON.stringify(d.recorded)} → ${JSON.stringify(d.current)}`).join('; '),
      ),
      ...this.notes.map((n) => row('note', n)),
    ];
    const color = this.identical ? '#1a7f37' : '#cf222e';
    return {
      'text/plain': this.toString(),
      'text/html': `<div><b style="color:${color}">Trial ${this.trialNumber}: ${this.identical ? 'reproduced bit-identically' : 'NOT reproduced identically'}</b><table>${rows.join('')}</table></div>`,
    };
  }
}

function show(v: number | number[] | null): string {
  if (v === null) return '(no value)';
  return Array.isArray(v) ? `[${v.map(String).join(', ')}]` : String(v);
}

/** The value a finished trial is judged by: its values, or a pruned trial's last intermediate value. */
function outcome(t: FrozenTrial, nObjectives: number): number | number[] | null {
  if (t.values) return nObjectives === 1 ? t.values[0] : [...t.values];
  const step = lastStep(t);
  return step === undefined ? null : (t.intermediateValues.get(step) ?? null);
}

function differences(a: number | number[] | null, b: number | number[] | null): { identical: boolean; absDiff: number; relDiff: number } {
  if (a === null || b === null) return { identical: a === b, absDiff: a === b ? 0 : Infinity, relDiff: a === b ? 0 : Infinity };
  const xs = Array.isArray(a) ? a : [a];
  const ys = Array.isArray(b) ? b : [b];
  if (xs.length !== ys.length) return { identical: false, absDiff: Infinity, relDiff: Infinity };
  let identical = true;
  let absDiff = 0;
  let relDiff = 0;
  for (let i = 0; i < xs.length; i++) {
    if (!Object.is(xs[i], ys[i])) identical = false;
    const d = Math.abs(xs[i] - ys[i]);
    absDiff = Math.max(absDiff, d);
    const scale = Math.abs(xs[i]);
    relDiff = Math.max(relDiff, d === 0 ? 0 : scale === 0 ? Infinity : d / scale);
  }
  return { identical, absDiff, relDiff };
}

function stepDifferences(recorded: FrozenTrial, rerun: FrozenTrial): StepDifference[] {
  const steps = [...new Set([...recorded.intermediateValues.keys(), ...rerun.intermediateValues.keys()])].sort((x, y) => x - y);
  const out: StepDifference[] = [];
  for (const step of steps) {
    const a = recorded.intermediateValues.get(step) ?? null;
    const b = rerun.intermediateValues.get(step) ?? null;
    if (!Object.is(a, b)) out.push({ step, recorded: a, reproduced: b });
  }
  return out;
}

/**
 * Answers "prune" where the recorded trial's pruner did: once the re-run has reported as many
 * intermediate values as the trial had then (recorded by `shouldPrune`; for a trial recorded before
 * that, a PRUNED trial's count of values). Counting, not looking for a step, holds when steps are
 * reported out of order (instances in a shuffled order, for the Wilcoxon pruner), and a COMPLETE
 * trial whose objective returned what it had when told to stop is stopped at the same point.
 */
class ReplayPruner implements Pruner {
  constructor(private readonly pruneAfterReports: number | undefined) {}
  prune(_study: StudyView, trial: FrozenTrial): boolean {
    return this.pruneAfterReports !== undefined && trial.intermediateValues.size >= this.pruneAfterReports;
  }
}

/** How many reports the recorded trial had made when its pruner said "prune", or undefined if it never did. */
function reportsWhenPruned(original: FrozenTrial): number | undefined {
  const recorded = ownValue(original.systemAttrs, PRUNED_AFTER_REPORTS_KEY);
  if (typeof recorded === 'number' && Number.isInteger(recorded) && recorded >= 0) return recorded;
  return original.state === TrialState.PRUNED ? original.intermediateValues.size : undefined;
}

/** Copy a finished (or running) earlier trial into the scratch storage; WAITING ones become FAIL so they are not run. */
async function copyEarlierTrial(to: Storage, studyId: number, t: FrozenTrial): Promise<void> {
  const created = await to.createNewTrial(studyId, {
    state: TrialState.RUNNING,
    userAttrs: plainCopy(t.userAttrs),
    systemAttrs: plainCopy(t.systemAttrs),
  });
  for (const [name, d] of Object.entries(t.distributions) as Array<[string, Distribution]>)
    await to.setTrialParam(created.trialId, name, t.internalParams[name], d);
  for (const [step, v] of t.intermediateValues) await to.setTrialIntermediateValue(created.trialId, step, v);
  if (t.state === TrialState.RUNNING) return;
  const state = t.state === TrialState.WAITING ? TrialState.FAIL : t.state;
  await to.setTrialState(created.trialId, state, state === TrialState.COMPLETE ? t.values : null, TrialState.RUNNING);
}

/** @internal Study.reproduce's implementation. */
export async function reproduceTrial(
  study: Study,
  trialNumber: number,
  objective: Objective,
  opts: ReproduceOptions,
  // createStudy, passed in by lifecycle.ts, which imports this module (a scratch study takes its defaults).
  createStudy: (opts: CreateStudyOptions) => Promise<Study>,
): Promise<ReproduceReport> {
  if (typeof objective !== 'function')
    throw new InvalidArgumentError('reproduce(trialNumber, objective): objective must be a function (trial) => number.');
  checkOptionKeys('reproduce', opts, REPRODUCE_OPTION_KEYS);
  await study.refresh();
  const original = study.trials[trialNumber];
  if (!Number.isInteger(trialNumber) || !original) {
    throw new InvalidArgumentError(
      `reproduce: study '${study.studyName}' has no trial ${String(trialNumber)} (it has ${study.trials.length} trials, numbered from 0).`,
    );
  }
  if (original.state !== TrialState.COMPLETE && original.state !== TrialState.PRUNED) {
    throw new InvalidArgumentError(
      `reproduce: trial ${trialNumber} is ${TrialState[original.state]}; only COMPLETE and PRUNED trials have a result to reproduce.`,
    );
  }
  const notes: string[] = [];
  let seed = recordedTrialSeed(original.systemAttrs);
  if (seed === undefined)
    notes.push(
      'the trial has no recorded seed (it ran before seeds were recorded); the re-run used a derived one, so seeded components may differ.',
    );

  const storage = new InMemoryStorage();
  const pruneAt = reportsWhenPruned(original);
  const scratch = await createStudy({
    storage,
    studyName: `${study.studyName} (reproduce trial ${trialNumber})`,
    directions: [...study.directions],
    // Every recorded parameter is fixed; the sampler only answers a parameter the re-run suggests
    // that the original did not (the run has diverged by then).
    sampler: new RandomSampler({ seed: 0 }),
    pruner: new ReplayPruner(pruneAt),
    seed: study.seed,
  });
  for (const t of study.trials.slice(0, trialNumber)) await copyEarlierTrial(storage, scratch.studyId, t);
  const systemAttrs: Record<string, unknown> = { [FIXED_PARAMS_KEY]: plainCopy(original.params) };
  if (seed !== undefined) systemAttrs[TRIAL_SEED_KEY] = seed;
  await storage.createNewTrial(scratch.studyId, { state: TrialState.WAITING, systemAttrs });
  await scratch.optimize(objective, { nTrials: 1, showProgressBar: false, catch: true });
  const rerun = scratch.trials[trialNumber];
  if (!rerun)
    throw new InvalidArgumentError(
      `reproduce: the re-run of trial ${trialNumber} did not start (the scratch study has ${scratch.trials.length} trials).`,
    );
  seed ??= recordedTrialSeed(rerun.systemAttrs) ?? 0;

  const n = study.directions.length;
  const recorded = outcome(original, n);
  const reproduced = rerun.state === TrialState.FAIL ? null : outcome(rerun, n);
  const diff = differences(recorded, reproduced);
  const intermediateDifferences = stepDifferences(original, rerun);
  const extra = Object.keys(rerun.params).filter((k) => !(k in original.params));
  if (extra.length > 0) notes.push(`the re-run suggested parameters the original did not: ${extra.join(', ')}.`);
  const recordedEnv = ownValue(await study.storage.getStudySystemAttrs(study.studyId), ENVIRONMENT_KEY);
  if (recordedEnv === undefined) notes.push('the study has no recorded environment (it was not created by this version of tunelab).');
  const failReason = rerun.state === TrialState.FAIL ? String(ownValue(rerun.systemAttrs, FAIL_REASON_KEY) ?? 'unknown') : null;
  return new ReproduceReport({
    trialNumber,
    seed,
    params: plainCopy(original.params),
    recordedState: TrialState[original.state] as keyof typeof TrialState,
    reproducedState: TrialState[rerun.state] as keyof typeof TrialState,
    recorded,
    reproduced,
    identical: original.state === rerun.state && diff.identical && intermediateDifferences.length === 0,
    absDiff: diff.absDiff,
    relDiff: diff.relDiff,
    intermediateDifferences,
    environmentDifferences: recordedEnv === undefined ? [] : diffEnvironments(recordedEnv, captureEnvironment({ cwd: opts.cwd })),
    failReason,
    notes,
  });
}
