/**
 * StudyMonitor: the live view of one `optimize` call — progress by trials or by time, counts by
 * state, the best value and parameters, elapsed time and an estimate of what remains, and a Stop
 * button that asks the study to stop after its running trials settle (`study.stop()`).
 *
 * Updating it costs O(1) per trial (counts and the best are tracked incrementally), and messages
 * are rate-limited by the Widget base, so a study finishing thousands of trials a second is fine.
 */
import { TrialState, type Direction, type FrozenTrial } from '../../src/frozenTrial';
import { formatNumber, formatPercent, formatSeconds } from '../../src/format';
import type { OptimizeEnd } from '../../src/progress';
import { hypervolume } from '../../src/multiobjective/hypervolume';
import { isFeasible } from '../../src/multiobjective/constraints';
import { MONITOR_STATUSES, type ModelState } from '../schema';
import { TunelabModel } from './tunelabModel';
import { escapeHtml } from './widget';

/** What the monitor needs from a study (structural, so tests can pass a stand-in). */
export interface MonitoredStudy {
  readonly studyName: string;
  readonly directions: readonly Direction[];
  stop(): void;
}

export interface StudyMonitorOptions {
  nTrials?: number;
  /** Seconds. */
  timeoutSeconds?: number;
  /** Injected clock for tests (ms since epoch). */
  now?: () => number;
  /**
   * Multi-objective studies: the reference point of the hypervolume shown (one value per objective,
   * in the objectives' own units). Default: from the worst feasible values seen so far, pushed 10%
   * outwards as Optuna's TPE chooses its reference point, so it moves while the study runs.
   */
  referencePoint?: readonly number[];
}

/** Fronts larger than this with 3+ objectives skip the (exponential-time) exact hypervolume. */
const MAX_FRONT_FOR_HV_3D = 64;
const EPS = 1e-12;

/**
 * 'stopped': the Stop button or study.stop(); 'interrupted': a kernel interrupt (optimize threw);
 * 'failed': an objective error not listed in `catch` ended optimize (it threw that error).
 */
export type MonitorStatus = (typeof MONITOR_STATUSES)[number];

/** What one change of the monitor sends. */
type MonitorPatch = Partial<ModelState<'StudyMonitorModel'>>;

export class StudyMonitor extends TunelabModel<'StudyMonitorModel'> {
  private readonly study: MonitoredStudy;
  private readonly now: () => number;
  private readonly started: number;
  private counts = { complete: 0, pruned: 0, fail: 0 };
  private best: { value: number; number: number; params: Record<string, unknown> } | null = null;
  private stopRequested = false;
  /** Multi-objective: the feasible non-dominated losses (maximised objectives negated) and the worst loss seen. */
  private front: number[][] = [];
  private worstLoss: number[] | null = null;
  private readonly signs: number[];
  private readonly fixedReference: number[] | null;

  constructor(study: MonitoredStudy, opts: StudyMonitorOptions = {}) {
    const now = opts.now ?? Date.now;
    const started = now();
    // Every other attribute starts at its schema default (no trial yet, status 'running').
    super('StudyMonitorModel', {
      study_name: study.studyName,
      directions: [...study.directions],
      n_trials: opts.nTrials,
      timeout: opts.timeoutSeconds,
      started_at: started,
      hv_reference_auto: opts.referencePoint === undefined,
    });
    this.signs = study.directions.map((d) => (d === 'minimize' ? 1 : -1));
    if (opts.referencePoint !== undefined) {
      if (opts.referencePoint.length !== study.directions.length || !opts.referencePoint.every(Number.isFinite)) {
        throw new TypeError(
          `StudyMonitor: referencePoint must be ${study.directions.length} finite numbers (one per objective), got [${opts.referencePoint.join(', ')}].`,
        );
      }
    }
    this.fixedReference = opts.referencePoint ? opts.referencePoint.map((v, i) => this.signs[i] * v) : null;
    this.study = study;
    this.now = now;
    this.started = started;
    this.onCustom((content) => {
      if (content.event === 'stop') this.requestStop();
    });
  }

  get status(): MonitorStatus {
    return this.get('status');
  }

  get nFinished(): number {
    return this.counts.complete + this.counts.pruned + this.counts.fail;
  }

  /** What the Stop button does: the study stops launching trials; running ones finish. */
  requestStop(): void {
    if (this.stopRequested || this.status !== 'running') return;
    this.stopRequested = true;
    this.study.stop();
    this.set({ status: 'stopping' });
    this.flush();
  }

  trialFinished(trial: FrozenTrial): void {
    if (trial.state === TrialState.COMPLETE) this.counts.complete++;
    else if (trial.state === TrialState.PRUNED) this.counts.pruned++;
    else if (trial.state === TrialState.FAIL) this.counts.fail++;
    const patch: MonitorPatch = {
      n_complete: this.counts.complete,
      n_pruned: this.counts.pruned,
      n_fail: this.counts.fail,
      n_finished: this.nFinished,
    };
    if (trial.state === TrialState.FAIL) patch.last_failure = failureText(trial);
    if (trial.state === TrialState.COMPLETE && trial.values && trial.values.length === 1 && this.study.directions.length === 1) {
      const v = trial.values[0];
      const better = this.study.directions[0] === 'minimize' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
      if (this.best === null || better(v, this.best.value)) {
        this.best = { value: v, number: trial.number, params: { ...trial.params } };
        patch.best_value = v;
        patch.best_number = trial.number;
        patch.best_params = this.best.params;
      }
    }
    if (
      trial.state === TrialState.COMPLETE &&
      trial.values &&
      this.study.directions.length > 1 &&
      trial.values.length === this.study.directions.length
    ) {
      Object.assign(patch, this.updateFront(trial));
    }
    Object.assign(patch, this.timing());
    this.set(patch);
  }

  /**
   * A multi-objective study has no best value: the monitor shows the size of the Pareto front of the
   * feasible trials and its hypervolume instead. The front is kept incrementally; the hypervolume is
   * recomputed only when the front or the reference point changed.
   */
  private updateFront(trial: FrozenTrial): MonitorPatch {
    if (!isFeasible(trial)) return {};
    const loss = trial.values!.map((v, i) => this.signs[i] * v);
    if (loss.some((v) => !Number.isFinite(v))) return {};
    const oldWorst = this.worstLoss;
    this.worstLoss = oldWorst ? oldWorst.map((w, i) => Math.max(w, loss[i])) : [...loss];
    const worstChanged = !oldWorst || this.worstLoss.some((w, i) => w !== oldWorst[i]);
    const dominated = this.front.some((p) => p.every((v, i) => v <= loss[i]));
    if (!dominated) this.front = [...this.front.filter((p) => !loss.every((v, i) => v <= p[i])), loss];
    if (dominated && !(worstChanged && !this.fixedReference)) return {};
    const ref = this.reference();
    const hv = this.front.length > MAX_FRONT_FOR_HV_3D && ref.length > 2 ? null : hypervolume(this.front, ref);
    return { n_front: this.front.length, hypervolume: hv, hv_reference: ref.map((v, i) => this.signs[i] * v) };
  }

  /** The reference point as losses: the one given, or Optuna TPE's rule on the worst losses seen. */
  private reference(): number[] {
    if (this.fixedReference) return this.fixedReference;
    return this.worstLoss!.map((w) => {
      const r = Math.max(1.1 * w, 0.9 * w);
      return r === 0 ? EPS : r;
    });
  }

  /** Multi-objective: the Pareto front size and hypervolume shown (null before the first feasible trial). */
  get frontSummary(): { size: number; hypervolume: number | null; referencePoint: number[] } | null {
    const size = this.get('n_front');
    if (size === null) return null;
    return { size, hypervolume: this.get('hypervolume'), referencePoint: this.get('hv_reference') ?? [] }; // set with n_front, never null here
  }

  /** The optimize call ended: final counts and status, sent at once (not rate-limited). */
  finish(end?: OptimizeEnd): void {
    let status: MonitorStatus = this.stopRequested ? 'stopped' : 'finished';
    if (end?.kind === 'interrupted' || end?.kind === 'failed' || end?.kind === 'stopped') status = end.kind;
    this.set({ ...this.timing(), eta: 0, status });
    this.flush();
  }

  /** The reason of the latest FAIL trial ("trial 3: Error: boom"), or null. */
  get lastFailure(): string | null {
    return this.get('last_failure');
  }

  private timing(): { elapsed: number; eta: number | null } {
    const elapsed = (this.now() - this.started) / 1000;
    const nTrials = this.get('n_trials');
    const timeout = this.get('timeout');
    let eta: number | null = null;
    const done = this.nFinished;
    if (nTrials !== null && done > 0) eta = (elapsed / done) * Math.max(0, nTrials - done);
    if (timeout !== null) eta = eta === null ? Math.max(0, timeout - elapsed) : Math.min(eta, Math.max(0, timeout - elapsed));
    return { elapsed, eta };
  }

  /** Progress in [0, 1] by trials, else by time; 1 once finished. */
  get fraction(): number {
    const nTrials = this.get('n_trials');
    const timeout = this.get('timeout');
    if (nTrials) return Math.min(1, this.nFinished / nTrials);
    if (this.status === 'finished') return 1;
    if (timeout) return Math.min(1, this.get('elapsed') / timeout);
    return 0;
  }

  override toString(): string {
    const nTrials = this.get('n_trials');
    const pct = formatPercent(this.fraction);
    const count = nTrials ? `${this.nFinished}/${nTrials} trials` : `${this.nFinished} trials`;
    const front = this.frontSummary;
    const best = this.best
      ? `, best ${formatNumber(this.best.value)} (trial ${this.best.number})`
      : front
        ? `, Pareto front ${front.size} trial(s)${front.hypervolume === null ? '' : `, hypervolume ${formatNumber(front.hypervolume)}`}`
        : '';
    const failure = this.lastFailure ? `; last failure: ${this.lastFailure}` : '';
    return `Study ${this.study.studyName}: ${pct}% ${count} [${this.counts.complete} complete, ${this.counts.pruned} pruned, ${this.counts.fail} failed]${best}, ${formatSeconds(this.get('elapsed'))}, ${this.status}${failure}`;
  }

  override snapshotHtml(): string {
    const pct = formatPercent(this.fraction);
    const params = this.best
      ? Object.entries(this.best.params)
          .map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(typeof v === 'number' ? formatNumber(v) : String(v))}`)
          .join(', ')
      : '';
    return (
      `<div class="tunelab-study-monitor-snapshot" style="font-family:sans-serif;font-size:13px">` +
      `<div><b>${escapeHtml(this.study.studyName)}</b> <progress value="${pct}" max="100"></progress> ${pct}%</div>` +
      `<div>${escapeHtml(this.toString())}</div>` +
      (params ? `<div>best params: ${params}</div>` : '') +
      `</div>`
    );
  }
}

/** What the monitor shows for a FAIL trial: its number and recorded reason, one line, bounded. */
function failureText(trial: FrozenTrial): string {
  const reason = trial.systemAttrs.fail_reason;
  const text = typeof reason === 'string' && reason.length > 0 ? reason : 'no reason recorded';
  const line = text.split('\n')[0];
  return `trial ${trial.number}: ${line.length > 300 ? `${line.slice(0, 299)}…` : line}`;
}
