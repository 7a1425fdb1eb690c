import { showAsConstructed } from '../constructedDisplay';
import { InvalidDistributionError } from '../errors';
import { decimalOf, type Distribution } from '../distributions';
import { isFinished, TrialState, type FrozenTrial, type FrozenTrialData } from '../frozenTrial';
import { checkSeed, Rng } from '../rng';
import type { AlgorithmResult, StudyView } from '../study/view';
import type { Sampler } from './base';
import { checkOptionKeys, optionKeys } from '../options';

export interface BruteForceSamplerOptions {
  seed?: number;
  /**
   * Optuna 5.0's `avoid_premature_stop`: count the combinations that running trials are evaluating
   * as still open, so the study stops only after every combination has *finished* (a running trial
   * that fails cannot leave a hole), at the price of some duplicate trials near the end with nJobs > 1.
   * Default false: running combinations count as explored, and the study stops as soon as none is left.
   */
  avoidPrematureStop?: boolean;
}

const BRUTE_FORCE_SAMPLER_OPTION_KEYS = optionKeys<BruteForceSamplerOptions>({ seed: true, avoidPrematureStop: true });

/** (low, high, step) of a distribution's grid; categoricals as (0, n - 1, 1) over choice indices. */
type GridArgs = readonly [number, number, number];

/** A combination no trial has reached yet. */
const UNEXPANDED = Symbol('unexpanded');

/** One trial as the tree sees it: its parameters not yet placed on the path, and whether it finished. */
interface TrialPath {
  remaining: Map<string, { args: GridArgs; value: number }>;
  finished: boolean;
}

/**
 * One node of the tree of combinations seen so far: the parameter suggested at this depth and one
 * child per value of its grid. A node without children is a path end that no trial finished yet
 * (or that a running trial is at); a node whose children map is empty is a finished trial's leaf.
 *
 * Storages do not keep the order in which a trial suggested its parameters (SQLite returns them by
 * name), so unlike Optuna's tree, which follows each trial's parameter order, this one is built from
 * the trials' parameter *sets*: below a node, the next parameter is one that every finished trial
 * there has (the first by name when several do). Parameters that all such trials share can be
 * enumerated in any order, and a conditional parameter is never shared before its condition.
 */
class TreeNode {
  paramName: string | null = null;
  children: Map<number, TreeNode | typeof UNEXPANDED> | null = null;
  gridArgs: GridArgs | null = null;
  running = false;

  expand(paramName: string, args: GridArgs): void {
    if (this.children === null) {
      this.paramName = paramName;
      this.gridArgs = args;
      this.children = new Map(enumerateCandidates(args, paramName).map((v) => [v, UNEXPANDED]));
    } else {
      this.checkArgs(paramName, args);
    }
  }

  checkArgs(paramName: string, args: GridArgs): void {
    if (this.gridArgs === null || !args.every((x, i) => x === this.gridArgs![i])) {
      throw new InvalidDistributionError(
        `BruteForceSampler: parameter '${paramName}' was suggested with different ranges (${JSON.stringify(this.gridArgs)} vs ` +
          `${JSON.stringify(args)}) after the same earlier values; keep its range fixed within a branch.`,
      );
    }
  }

  /** Place `paths` below this node; `forced` names the parameter of this node (the one being sampled). */
  build(paths: readonly TrialPath[], forced?: string): void {
    const continuing = paths.filter((p) => p.remaining.size > 0);
    if (paths.some((p) => p.remaining.size === 0 && !p.finished)) this.running = true;
    if (continuing.length === 0) {
      // Every trial here ended at this node: a leaf if one finished (unless this node is being sampled).
      if (forced === undefined && paths.some((p) => p.finished)) this.children = new Map();
      return;
    }
    // A finished trial that ended where others go on (it failed before its next suggestion) is left
    // out; had every trial ended here, the node would be a leaf.
    const name = forced ?? nextParam(continuing);
    const groups = new Map<number, TrialPath[]>();
    for (const p of continuing) {
      const entry = p.remaining.get(name);
      if (!entry) {
        if (!p.finished) this.running = true; // a running trial that has not suggested it yet
        continue;
      }
      this.expand(name, entry.args);
      const key = candidateKey(this.children!, entry.value);
      if (key === undefined) continue; // a value off the grid (added by hand): not a combination
      const rest = new Map(p.remaining);
      rest.delete(name);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push({ remaining: rest, finished: p.finished });
    }
    for (const [key, group] of groups) {
      const child = new TreeNode();
      this.children!.set(key, child);
      child.build(group);
    }
  }

  isAnyExpandable(excludeRunning: boolean): boolean {
    if (this.children === null) return !excludeRunning || !this.running;
    for (const c of this.children.values()) if (c === UNEXPANDED || c.isAnyExpandable(excludeRunning)) return true;
    return false;
  }

  countUnexpanded(excludeRunning: boolean): number {
    if (this.children === null) return excludeRunning && this.running ? 0 : 1;
    let n = 0;
    for (const c of this.children.values()) n += c === UNEXPANDED ? 1 : c.countUnexpanded(excludeRunning);
    return n;
  }

  /**
   * Optuna's choice of the next value: half in proportion to the unexplored combinations below each
   * child, half evenly over the children with any, never a child a running trial is at while another
   * choice remains.
   */
  sampleChild(rng: Rng, excludeRunning: boolean): number {
    const keys = [...this.children!.keys()];
    const nodes = [...this.children!.values()];
    const counts = nodes.map((c) => (c === UNEXPANDED ? 1 : c.countUnexpanded(excludeRunning)));
    const total = counts.reduce((a, b) => a + b, 0);
    const open = counts.filter((c) => c > 0).length;
    const weights = counts.map((c) => 0.5 * (c / total) + 0.5 * (c > 0 ? 1 / open : 0));
    const isRunning = (c: TreeNode | typeof UNEXPANDED) => c !== UNEXPANDED && c.running;
    if (nodes.some((c, i) => !isRunning(c) && weights[i] > 0)) nodes.forEach((c, i) => isRunning(c) && (weights[i] = 0));
    const sum = weights.reduce((a, b) => a + b, 0);
    let u = rng.random() * sum;
    let last = -1;
    for (let i = 0; i < keys.length; i++) {
      if (weights[i] <= 0) continue;
      last = i;
      u -= weights[i];
      if (u < 0) return keys[i];
    }
    return keys[last];
  }
}

/** The parameter below a node: one every finished trial there has (else every trial), first by name. */
function nextParam(continuing: readonly TrialPath[]): string {
  const finished = continuing.filter((p) => p.finished);
  const pool = finished.length > 0 ? finished : continuing;
  let common: string[] = [...pool[0].remaining.keys()];
  for (const p of pool.slice(1)) common = common.filter((n) => p.remaining.has(n));
  if (common.length === 0) {
    throw new InvalidDistributionError(
      `BruteForceSampler: trials that agree on every earlier parameter went on with different parameters ` +
        `(${pool.map((p) => JSON.stringify([...p.remaining.keys()])).join(' vs ')}). The objective must suggest the ` +
        'same parameters for the same earlier values (no randomness outside the trial).',
    );
  }
  return common.sort()[0];
}

/**
 * Every combination of a discrete search space, once each, in random order, as Optuna 5.0's
 * `BruteForceSampler`: define-by-run, so conditional branches are discovered as trials take them and
 * enumerated too. Floats need a `step`; int, float-with-step and categorical parameters are
 * enumerated on their grid. When the last combination has been evaluated the sampler stops the study
 * (`optimize({ nTrials })` with a larger nTrials ends early). Failed and pruned trials count as
 * evaluated. The objective must be deterministic in its parameters (same earlier values, same next
 * parameter).
 */
export class BruteForceSampler implements Sampler {
  private rng: Rng;
  private readonly avoidPrematureStop: boolean;

  constructor(opts: BruteForceSamplerOptions = {}) {
    showAsConstructed(this, 'BruteForceSampler', [opts]);
    checkOptionKeys('BruteForceSampler', opts, BRUTE_FORCE_SAMPLER_OPTION_KEYS);
    checkSeed('BruteForceSampler', opts.seed);
    this.rng = new Rng(opts.seed);
    this.avoidPrematureStop = opts.avoidPrematureStop ?? false;
  }

  reseedRng(seed?: number): void {
    checkSeed('BruteForceSampler.reseedRng', seed);
    this.rng = new Rng(seed);
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, paramName: string, distribution: Distribution): number {
    const excludeRunning = !this.avoidPrematureStop;
    const others = evaluatedTrials(study).filter((t) => t.number !== trial.number);
    const args = gridArgs(distribution, paramName);
    const tree = new TreeNode();
    tree.expand(paramName, args);
    tree.build(pathsBelow(others, trial.internalParams), paramName);
    if (tree.isAnyExpandable(excludeRunning)) return tree.sampleChild(this.rng, excludeRunning);
    // Everything below is explored (or being explored): any value; the study stops after this trial.
    return this.rng.choice(enumerateCandidates(args, paramName));
  }

  afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState, _values: readonly number[] | null): AlgorithmResult {
    const excludeRunning = !this.avoidPrematureStop;
    const trials = evaluatedTrials(study).map((t) => (t.number === trial.number ? finished(trial, state) : t));
    if (!trials.some((t) => t.number === trial.number)) trials.push(finished(trial, state));
    // Is anything left to explore after this trial's earlier parameters? Then after fewer of them?
    const names = Object.keys(trial.internalParams);
    for (let keep = names.length - 1; keep >= 0; keep--) {
      const prefix: Record<string, number> = {};
      for (const n of names.slice(0, keep)) prefix[n] = trial.internalParams[n];
      const tree = new TreeNode();
      tree.build(pathsBelow(trials, prefix));
      if (tree.isAnyExpandable(excludeRunning)) return;
    }
    return { stopStudy: true };
  }
}

/** The trials the tree is built from: every one but the WAITING (COMPLETE, PRUNED, RUNNING, FAIL). */
function evaluatedTrials(study: StudyView): FrozenTrialData[] {
  return study.getTrials({ states: [TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.FAIL] });
}

function finished(t: FrozenTrialData, state: TrialState): FrozenTrialData {
  return { ...t, state };
}

/** The trials that agree with `fixed` (the current trial's parameters so far), minus those parameters. */
function pathsBelow(trials: readonly FrozenTrialData[], fixed: Readonly<Record<string, number>>): TrialPath[] {
  const fixedNames = Object.keys(fixed);
  const out: TrialPath[] = [];
  for (const t of trials) {
    if (!fixedNames.every((n) => Object.hasOwn(t.internalParams, n) && t.internalParams[n] === fixed[n])) continue;
    const remaining = new Map<string, { args: GridArgs; value: number }>();
    for (const [name, d] of Object.entries(t.distributions)) {
      if (!Object.hasOwn(fixed, name)) remaining.set(name, { args: gridArgs(d, name), value: t.internalParams[name] });
    }
    out.push({ remaining, finished: isFinished(t.state) });
  }
  return out;
}

function gridArgs(d: Distribution, name: string): GridArgs {
  if (d.kind === 'categorical') return [0, d.choices.length - 1, 1];
  if (d.kind === 'int') return [d.low, d.high, d.step];
  if (d.step === null) {
    throw new InvalidDistributionError(
      `BruteForceSampler: float parameter '${name}' has no step, so its values cannot be enumerated. ` +
        'Give it one (suggestFloat(name, low, high, { step })) or use another sampler.',
    );
  }
  return [d.low, d.high, d.step];
}

const candidateCache = new Map<string, number[]>();

/** How many points the grid low, low + step, ..., <= high has (float noise of a last point kept in). */
export function gridSize(low: number, high: number, step: number): number {
  return Math.floor((high - low) / step + 1e-9) + 1;
}

/**
 * The grid low, low + step, ..., <= high, computed in decimal as Optuna does (so 0.1 steps give 0.3,
 * not 0.30000000000000004): each value is an exact decimal fraction rounded once to a double.
 */
export function enumerateCandidates(args: GridArgs, name: string | null = null): number[] {
  const [low, high, step] = args;
  const key = `${low}|${high}|${step}`;
  const cached = candidateCache.get(key);
  if (cached) return cached;
  if (!(step > 0)) throw new InvalidDistributionError(`BruteForceSampler: parameter '${name}' needs a positive step, got ${step}.`);
  const count = gridSize(low, high, step);
  if (!(count <= 10_000_000)) {
    throw new InvalidDistributionError(`BruteForceSampler: parameter '${name}' has ${count} values; that is not a space to enumerate.`);
  }
  const places = Math.max(decimalPlaces(low), decimalPlaces(high), decimalPlaces(step));
  const scale = 10 ** places;
  const lowI = Math.round(low * scale);
  const highI = Math.round(high * scale);
  const stepI = Math.round(step * scale);
  const exact =
    places <= 15 &&
    Number.isSafeInteger(lowI) &&
    Number.isSafeInteger(highI) &&
    stepI > 0 &&
    lowI / scale === low &&
    highI / scale === high &&
    stepI / scale === step;
  const out: number[] = [];
  if (exact) {
    for (let v = lowI; v <= highI; v += stepI) out.push(v / scale);
  } else {
    for (let k = 0; low + k * step <= high; k++) out.push(low + k * step);
  }
  candidateCache.set(key, out);
  return out;
}

/** Digits after the decimal point in the shortest representation of x (1e-7 -> 7, 2.5 -> 1). */
function decimalPlaces(x: number): number {
  return Number.isFinite(x) ? decimalOf(x).scale : 0;
}

/** The child key for a stored value: exact, or the candidate within float noise of it. */
function candidateKey(children: ReadonlyMap<number, unknown>, value: number): number | undefined {
  if (children.has(value)) return value;
  for (const k of children.keys()) if (Math.abs(k - value) <= 1e-9 * Math.max(1, Math.abs(value))) return k;
  return undefined;
}
