import { isSingle, toInternal, type Distribution, type ParamValue } from '../distributions';
import { InvalidArgumentError } from '../errors';

/**
 * How one parameter enters the forest. Continuous features (floats, ints) live on an interval in
 * the space a user thinks in: log-scaled parameters in log space, and stepped ones widened by half a
 * step at each end so every grid value owns an equal share. A categorical is one feature whose
 * values are choice indices; trees split it into two sets of categories and every category has unit
 * width, so no order between the choices is assumed.
 */
export type Feature =
  | { readonly name: string; readonly kind: 'continuous'; readonly low: number; readonly high: number }
  | { readonly name: string; readonly kind: 'categorical'; readonly nChoices: number };

/** Rows of encoded features (row-major) with one target value per row. */
export interface EncodedData {
  readonly features: readonly Feature[];
  /** nRows x nFeatures, row-major. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly nRows: number;
}

export function featureFor(name: string, d: Distribution): Feature {
  if (d.kind === 'categorical') return { name, kind: 'categorical', nChoices: d.choices.length };
  const half = d.step === null ? 0 : d.step / 2;
  if (d.log) {
    // Optuna's transform: for a log int, widen in value space before taking logs.
    return { name, kind: 'continuous', low: Math.log(d.low - half), high: Math.log(d.high + half) };
  }
  return { name, kind: 'continuous', low: d.low - half, high: d.high + half };
}

/** An external parameter value (what the objective saw) as the feature value the trees split on. */
export function encodeValue(d: Distribution, value: ParamValue): number {
  const internal = toInternal(d, value);
  if (d.kind !== 'categorical' && d.log) return Math.log(internal);
  return internal;
}

/** Split distributions into those that vary (analysed) and single-valued ones (importance 0). */
export function partitionSingle(distributions: Record<string, Distribution>): { varying: string[]; single: string[] } {
  const varying: string[] = [];
  const single: string[] = [];
  for (const [name, d] of Object.entries(distributions)) (isSingle(d) ? single : varying).push(name);
  return { varying, single };
}

/**
 * Encode rows of external parameter values. Each row is either a record keyed by parameter name or
 * an array in the order of `names`.
 */
export function encodeRows(
  names: readonly string[],
  distributions: Record<string, Distribution>,
  rows: ReadonlyArray<ReadonlyArray<ParamValue> | Readonly<Record<string, ParamValue>>>,
  allNames: readonly string[],
  y: readonly number[],
): EncodedData {
  if (rows.length !== y.length) {
    throw new InvalidArgumentError(`fanova: X has ${rows.length} rows but y has ${y.length} values; give one value per row.`);
  }
  const features = names.map((n) => featureFor(n, distributions[n]));
  const columnOf = new Map(allNames.map((n, i) => [n, i]));
  const x = new Float64Array(rows.length * names.length);
  rows.forEach((row, r) => {
    names.forEach((name, j) => {
      const value = Array.isArray(row) ? (row as ParamValue[])[columnOf.get(name)!] : (row as Record<string, ParamValue>)[name];
      if (value === undefined) {
        throw new InvalidArgumentError(`fanova: row ${r} has no value for parameter '${name}'.`);
      }
      const v = encodeValue(distributions[name], value);
      const f = features[j];
      // A value outside the search space would give a leaf of negative width in the decomposition.
      if (
        !Number.isFinite(v) ||
        (f.kind === 'continuous' && (v < f.low - 1e-12 * Math.abs(f.low) || v > f.high + 1e-12 * Math.abs(f.high)))
      ) {
        throw new InvalidArgumentError(
          `fanova: row ${r} has value ${String(value)} for '${name}', outside its distribution; give values inside the search space.`,
        );
      }
      x[r * names.length + j] = v;
    });
  });
  for (const [i, v] of y.entries()) {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`fanova: y[${i}] is ${v}; targets must be finite numbers.`);
  }
  return { features, x, y: Float64Array.from(y), nRows: rows.length };
}
