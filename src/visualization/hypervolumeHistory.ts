/**
 * plotHypervolumeHistory: Optuna's plot_hypervolume_history. After each complete trial, the
 * hypervolume dominated by the feasible complete trials so far, bounded by the reference point.
 */
import { InvalidArgumentError } from '../errors';
import { hypervolume } from '../multiobjective/hypervolume';
import { isFeasible } from '../multiobjective/constraints';
import { Figure } from './figure';
import { completeTrials, type StudyLike } from './common';

export interface HypervolumeHistory {
  trialNumbers: number[];
  values: number[];
}

/**
 * The hypervolume after each complete trial (in trial order). Objectives are turned into losses
 * (maximised ones negated, the reference point too); infeasible trials and trials outside the
 * reference box leave the value unchanged.
 */
export function hypervolumeHistory(study: StudyLike, referencePoint: readonly number[]): HypervolumeHistory {
  const k = study.directions.length;
  if (k < 2) {
    throw new InvalidArgumentError('plotHypervolumeHistory needs a multi-objective study; for one objective use plotOptimizationHistory.');
  }
  if (referencePoint.length !== k) {
    throw new InvalidArgumentError(
      `plotHypervolumeHistory: the reference point has ${referencePoint.length} values but the study has ${k} objectives; give one per objective.`,
    );
  }
  if (!referencePoint.every(Number.isFinite)) {
    throw new InvalidArgumentError(
      `plotHypervolumeHistory: the reference point must be finite numbers, got [${referencePoint.join(', ')}].`,
    );
  }
  const signs = study.directions.map((d) => (d === 'minimize' ? 1 : -1));
  const ref = referencePoint.map((v, i) => signs[i] * v);
  // The non-dominated losses so far: hypervolume() would drop dominated points anyway; keeping the
  // set small keeps each step cheap.
  let front: number[][] = [];
  let current = 0;
  const out: HypervolumeHistory = { trialNumbers: [], values: [] };
  for (const t of completeTrials(study)) {
    out.trialNumbers.push(t.number);
    const loss = t.values!.map((v, i) => signs[i] * v);
    const weaklyDominated = front.some((p) => p.every((v, i) => v <= loss[i]));
    const outside = loss.some((v, i) => v > ref[i]);
    if (isFeasible(t) && !weaklyDominated && !outside) {
      front = [...front.filter((p) => !loss.every((v, i) => v <= p[i])), loss];
      current = hypervolume(front, ref);
    }
    out.values.push(current);
  }
  return out;
}

/** The hypervolume of the feasible trials after each complete trial, against `referencePoint`. */
export function plotHypervolumeHistory(study: StudyLike, referencePoint: readonly number[]): Figure {
  const h = hypervolumeHistory(study, referencePoint);
  return new Figure({
    data: [{ type: 'scatter', mode: 'lines+markers', name: 'Hypervolume', x: h.trialNumbers, y: h.values }],
    layout: {
      title: { text: 'Hypervolume History Plot' },
      xaxis: { title: { text: 'Trial' } },
      yaxis: { title: { text: 'Hypervolume' } },
    },
  });
}
