/**
 * ScheduleView and CVResults: small tunelab models whose views (widgets/src) draw with plotly.
 */
import { formatNumber } from '../../src/format';
import { figureSnapshotSvg } from '../../src/visualization/figure';
import type { CVWireRow } from '../schema';
import { TunelabModel } from './tunelabModel';
import { escapeHtml } from './widget';

/**
 * A learning-rate schedule as the schedules module describes it (`describe(schedule)`): sampled
 * (step, lr) pairs under `values` (or `points`), optionally the step training is at now.
 */
export interface ScheduleDescriptionInput {
  name: string;
  params?: Record<string, unknown>;
  values?: ReadonlyArray<readonly [number, number]>;
  points?: ReadonlyArray<readonly [number, number]>;
  currentStep?: number | null;
}

/** The learning-rate curve with a marker at the current step; `setStep` moves it while training. */
export class ScheduleView extends TunelabModel<'ScheduleViewModel'> {
  constructor(desc: ScheduleDescriptionInput, opts: { height?: number } = {}) {
    const pts = desc.values ?? desc.points;
    if (!pts || pts.length === 0) {
      throw new TypeError(
        `ScheduleView: the description of '${desc.name}' has no values; pass describe(schedule) from tunelab's schedules.`,
      );
    }
    super('ScheduleViewModel', {
      name: desc.name,
      params: desc.params,
      steps: pts.map((p) => p[0]),
      lrs: pts.map((p) => p[1]),
      current_step: desc.currentStep,
      height: opts.height,
    });
  }

  get currentStep(): number | null {
    return this.get('current_step');
  }

  /** Mark the step training is at (rate-limited like every update). */
  setStep(step: number | null): void {
    this.set({ current_step: step });
  }

  /** The learning rate at a step, interpolated linearly between sampled points. */
  lrAt(step: number): number {
    const steps = this.get('steps');
    const lrs = this.get('lrs');
    if (step <= steps[0]) return lrs[0];
    for (let i = 1; i < steps.length; i++) {
      if (step <= steps[i]) {
        const t = (step - steps[i - 1]) / (steps[i] - steps[i - 1]);
        return lrs[i - 1] + t * (lrs[i] - lrs[i - 1]);
      }
    }
    return lrs[lrs.length - 1];
  }

  override toString(): string {
    const s = this.currentStep;
    return `Schedule ${this.get('name')}${s === null ? '' : ` at step ${s}: lr ${formatNumber(this.lrAt(s))}`}`;
  }

  override snapshotHtml(): string {
    const s = this.currentStep;
    const data: Array<Record<string, unknown>> = [
      { type: 'scatter', mode: 'lines', name: 'learning rate', x: this.get('steps'), y: this.get('lrs') },
    ];
    if (s !== null) data.push({ type: 'scatter', mode: 'markers', name: 'current step', x: [s], y: [this.lrAt(s)] });
    return figureSnapshotSvg({
      data,
      layout: { title: { text: `Schedule: ${this.get('name')}` }, xaxis: { title: 'step' }, yaxis: { title: 'learning rate' } },
    });
  }
}

/** One outer fold of (nested) cross-validation. */
export interface CVFoldRow {
  outerFold: number;
  score: number;
  params?: Record<string, unknown>;
  /** Inner-loop results (e.g. the inner CV's mean score per candidate), shown on demand. */
  innerResults?: unknown;
}

/** Per-fold scores and chosen parameters as a table and a box plot, filled in fold by fold. */
export class CVResults extends TunelabModel<'CVResultsModel'> {
  constructor(opts: { metric?: string; nFolds?: number | null; rows?: CVFoldRow[] } = {}) {
    super('CVResultsModel', {
      metric: opts.metric,
      n_folds: opts.nFolds,
      rows: opts.rows?.map(toWireRow),
    });
  }

  get rows(): ReadonlyArray<CVWireRow> {
    return this.get('rows');
  }

  addFold(row: CVFoldRow): void {
    if (!Number.isFinite(row.score)) throw new TypeError(`CVResults.addFold: score must be a finite number, got ${row.score}.`);
    this.set({ rows: [...this.rows, toWireRow(row)] });
  }

  /** Mean and (population) standard deviation of the fold scores so far. */
  summary(): { mean: number; std: number; n: number } {
    const s = this.rows.map((r) => r.score);
    const n = s.length;
    const mean = n ? s.reduce((a, b) => a + b, 0) / n : NaN;
    const std = n ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : NaN;
    return { mean, std, n };
  }

  override toString(): string {
    const { mean, std, n } = this.summary();
    return `CV ${this.get('metric')}: ${n} fold(s)${n ? `, mean ${formatNumber(mean)} ± ${formatNumber(std)}` : ''}`;
  }

  override snapshotHtml(): string {
    const rows = this.rows
      .map(
        (r) =>
          `<tr><td>${r.outer_fold}</td><td>${formatNumber(r.score)}</td><td>${escapeHtml(
            Object.entries(r.params ?? {})
              .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : String(v)}`)
              .join(', '),
          )}</td></tr>`,
      )
      .join('');
    return `<table class="tunelab-cv-snapshot"><thead><tr><th>fold</th><th>${escapeHtml(String(this.get('metric')))}</th><th>params</th></tr></thead><tbody>${rows}</tbody></table><div>${escapeHtml(this.toString())}</div>`;
  }
}

function toWireRow(r: CVFoldRow): CVWireRow {
  return { outer_fold: r.outerFold, score: r.score, params: r.params ?? {}, inner_results: r.innerResults ?? null };
}
