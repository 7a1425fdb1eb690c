import { distributionsEqual, type Distribution, type ParamValue } from '../distributions';
import { InvalidArgumentError, TunelabError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { Study } from '../study';
import { decomposeTree } from './decomposition';
import { encodeRows, partitionSingle, type EncodedData } from './features';
import { fitForest, meanDecreaseImpurity } from './forest';
import { dict, hasKey, ownValue, plainCopy } from '../dict';
import { pedAnovaImportances, type PedAnovaOptions } from './pedAnova';
import { requireInt } from '../validate';
import { IMPORTANCE_OPTION_FIELDS, type ForestSettings, type StudyDataOptions } from './options';
import { checkOptionKeys, optionKeys } from '../options';

export { pedAnovaImportances, type PedAnovaOptions, type PedAnovaStudy } from './pedAnova';

/**
 * Hyperparameter importance: PED-ANOVA (the default, as in Optuna 5.0; see pedAnova.ts), functional
 * ANOVA (Hutter, Hoos & Leyton-Brown 2014) and mean decrease in impurity, the last two over one
 * random forest fitted to (parameters -> objective).
 */

/** A mean and standard deviation across the forest's trees of a fraction of variance. */
export interface ImportanceStat {
  readonly mean: number;
  readonly std: number;
}

export interface PairInteraction extends ImportanceStat {
  readonly params: readonly [string, string];
}

export interface FanovaResult {
  /** The parameters analysed (those that vary), in the order used. */
  readonly params: readonly string[];
  /** Fraction of the objective's variance explained by each parameter alone (V_j / V). */
  readonly main: Readonly<Record<string, ImportanceStat>>;
  /** Fraction explained by each pair beyond its two main effects (V_jk / V), largest first. */
  readonly interactions: readonly PairInteraction[];
  /** Trees that entered the averages (a tree predicting a constant has no variance to split). */
  readonly nTrees: number;
  /** Rows (trials) the forest was fitted to. */
  readonly nSamples: number;
}

export interface FanovaOptions extends ForestSettings, StudyDataOptions {
  /** Also compute every pairwise interaction (default true). */
  interactions?: boolean;
}

export type ImportanceEvaluatorName = 'pedAnova' | 'fanova' | 'mdi';

export interface ImportanceOptions
  extends ForestSettings, StudyDataOptions, Pick<PedAnovaOptions, 'targetQuantile' | 'regionQuantile' | 'evaluateOnLocal'> {
  /**
   * 'pedAnova' (default, as Optuna 5.0's default PedAnovaImportanceEvaluator), 'fanova' (Optuna's
   * default before 5.0) or 'mdi' (mean decrease in impurity). The quantile options apply to
   * 'pedAnova', the forest settings to 'fanova' and 'mdi'.
   */
  evaluator?: ImportanceEvaluatorName;
  /** Scale the importances to sum to 1 (default true; all equal when they sum to 0). */
  normalize?: boolean;
}

/** Data given directly: rows of parameter values (records, or arrays in `distributions` key order) and targets. */
export interface FanovaData {
  readonly X: ReadonlyArray<ReadonlyArray<ParamValue> | Readonly<Record<string, ParamValue>>>;
  readonly y: readonly number[];
  readonly distributions: Readonly<Record<string, Distribution>>;
}

interface Prepared {
  data: EncodedData;
  /** Parameters with one possible value: importance 0, not modelled. */
  single: string[];
}

/**
 * Functional ANOVA: main effects of every parameter and (by default) all pairwise interactions, as
 * fractions of the variance of a random forest's prediction over the search space, with mean and
 * standard deviation across the trees.
 */
export function fanova(source: Study | FanovaData, opts: FanovaOptions = {}): FanovaResult {
  return fanovaOf(prepare(source, opts).data, opts);
}

function fanovaOf(data: EncodedData, opts: FanovaOptions): FanovaResult {
  const features = data.features;
  const trees = fitForest(data, forestOptions(opts));
  const pairs: [number, number][] = [];
  if (opts.interactions ?? true) {
    for (let j = 0; j < features.length; j++) for (let k = j + 1; k < features.length; k++) pairs.push([j, k]);
  }
  const mainFractions = features.map(() => [] as number[]);
  const pairFractions = pairs.map(() => [] as number[]);
  for (const tree of trees) {
    const parts = decomposeTree(tree, features, pairs);
    if (!(parts.variance > 0)) continue;
    parts.main.forEach((v, j) => mainFractions[j].push(v / parts.variance));
    parts.pairs.forEach((v, p) => pairFractions[p].push(v / parts.variance));
  }
  const nTrees = mainFractions[0]?.length ?? 0;
  if (features.length > 0 && nTrees === 0) {
    throw new TunelabError(
      'fanova: every tree of the forest predicts a constant (the target does not vary across the trials), so there is ' +
        'no variance to attribute. Run more trials or check the objective.',
    );
  }
  const main = dict<ImportanceStat>();
  features.forEach((f, j) => (main[f.name] = meanAndStd(mainFractions[j])));
  const interactions: PairInteraction[] = pairs.map(([j, k], p) => ({
    params: [features[j].name, features[k].name] as const,
    ...meanAndStd(pairFractions[p]),
  }));
  interactions.sort((a, b) => b.mean - a.mean);
  return { params: features.map((f) => f.name), main: plainCopy(main), interactions, nTrees, nSamples: data.nRows };
}

const IMPORTANCE_OPTION_KEYS = optionKeys<ImportanceOptions>(IMPORTANCE_OPTION_FIELDS);

/**
 * Importance of each parameter, largest first (Optuna's `get_param_importances`). By default
 * PED-ANOVA, as Optuna 5.0: every parameter of the COMPLETE trials is assessed (conditional ones
 * too) and multi-objective studies need no target. With fANOVA a parameter's importance is its
 * main-effect fraction averaged over trees; with 'mdi' the forest's mean decrease in impurity; both
 * assess the parameters every COMPLETE trial has. Parameters with a single possible value get 0.
 */
export function getParamImportances(study: Study, opts: ImportanceOptions = {}): Record<string, number> {
  checkOptionKeys('getParamImportances', opts, IMPORTANCE_OPTION_KEYS);
  const evaluator = opts.evaluator ?? 'pedAnova';
  if (evaluator !== 'pedAnova' && evaluator !== 'fanova' && evaluator !== 'mdi') {
    throw new InvalidArgumentError(`getParamImportances: evaluator must be 'pedAnova', 'fanova' or 'mdi', got '${String(evaluator)}'.`);
  }
  if (evaluator === 'pedAnova') return normalized(Object.entries(pedAnovaImportances(study, opts)), opts.normalize ?? true);
  const { data, single } = prepare(study, opts);
  const names = data.features.map((f) => f.name);
  // Like Optuna: when nothing varies, fANOVA has nothing to attribute and returns no entries.
  if (names.length === 0 && evaluator === 'fanova') return {};
  const raw = dict<number>();
  if (names.length > 0) {
    if (evaluator === 'mdi') {
      const mdi = meanDecreaseImpurity(fitForest(data, forestOptions(opts)), data.features);
      names.forEach((n, j) => (raw[n] = mdi[j]));
    } else {
      const result = fanovaOf(data, { ...opts, interactions: false });
      for (const n of names) raw[n] = result.main[n].mean;
    }
  }
  for (const n of single) raw[n] = 0;
  return normalized(Object.entries(raw), opts.normalize ?? true);
}

/** Largest first; scaled to sum to 1 when asked (all equal when the sum is 0, as Optuna). */
function normalized(entries: [string, number][], normalize: boolean): Record<string, number> {
  if (normalize) {
    const total = entries.reduce((s, [, v]) => s + v, 0);
    entries = entries.map(([n, v]) => [n, total > 0 ? v / total : 1 / entries.length]);
  }
  entries.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(entries);
}

function forestOptions(opts: ForestSettings) {
  const nTrees = opts.nTrees ?? 64;
  const maxDepth = opts.maxDepth ?? 64;
  const minSamplesSplit = opts.minSamplesSplit ?? 2;
  const minSamplesLeaf = opts.minSamplesLeaf ?? 1;
  for (const [name, v, min] of [
    ['nTrees', nTrees, 1],
    ['maxDepth', maxDepth, 1],
    ['minSamplesSplit', minSamplesSplit, 2],
    ['minSamplesLeaf', minSamplesLeaf, 1],
  ] as const) {
    requireInt('Importance', name, v, min);
  }
  return { nTrees, maxDepth, minSamplesSplit, minSamplesLeaf, seed: opts.seed ?? 0 };
}

function meanAndStd(values: readonly number[]): ImportanceStat {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

function isFanovaData(source: Study | FanovaData): source is FanovaData {
  return 'X' in source && 'y' in source && 'distributions' in source;
}

function prepare(source: Study | FanovaData, opts: StudyDataOptions): Prepared {
  if (isFanovaData(source)) {
    const allNames = Object.keys(source.distributions);
    const wanted = opts.params ? [...opts.params] : allNames;
    for (const n of wanted) {
      if (!(n in source.distributions)) throw new InvalidArgumentError(`fanova: no distribution is given for '${n}'.`);
    }
    const { varying, single } = partitionSingle(pick(source.distributions, wanted));
    return { data: encodeRows(varying, source.distributions, source.X, allNames, source.y), single };
  }
  return prepareStudy(source, opts);
}

function pick<T>(record: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(names.map((n) => [n, record[n]]));
}

/** Rows of the study's COMPLETE trials over the analysed parameters, with finite targets. */
function prepareStudy(study: Study, opts: StudyDataOptions): Prepared {
  if (study.directions.length > 1 && !opts.target) {
    throw new InvalidArgumentError(
      'Importance of a multi-objective study needs a target, e.g. { target: (t) => t.values![0] } for the first objective.',
    );
  }
  const complete = study.trials.filter((t) => t.state === TrialState.COMPLETE);
  if (complete.length < 2) {
    throw new InvalidArgumentError(
      `Importance needs at least two COMPLETE trials; study '${study.studyName}' has ${complete.length}. Run more trials first.`,
    );
  }
  const distributions = opts.params ? distributionsOfParams(complete, opts.params) : intersectionSpace(complete);
  const names = Object.keys(distributions).sort();
  const target = opts.target ?? ((t: FrozenTrial) => t.values![0]);
  const rows: Record<string, ParamValue>[] = [];
  const y: number[] = [];
  for (const t of complete) {
    if (!names.every((n) => hasKey(t.params, n))) continue;
    const v = target(t);
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    rows.push(t.params as Record<string, ParamValue>);
    y.push(v);
  }
  const { varying, single } = partitionSingle(pick(distributions, names));
  return { data: encodeRows(varying, distributions, rows, names, y), single };
}

/** The parameters every COMPLETE trial has, with the same distribution in all of them. */
function intersectionSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> {
  let space: Record<string, Distribution> | null = null;
  for (const t of trials) {
    if (space === null) {
      space = dict(t.distributions);
      continue;
    }
    for (const [name, d] of Object.entries(space)) {
      const other = ownValue(t.distributions, name);
      if (!other || !distributionsEqual(other, d)) delete space[name];
    }
  }
  return space ? plainCopy(space) : {};
}

function distributionsOfParams(trials: readonly FrozenTrial[], params: readonly string[]): Record<string, Distribution> {
  let found: Record<string, Distribution> | null = null;
  for (const t of trials) {
    if (!params.every((p) => hasKey(t.distributions, p))) continue;
    if (found === null) {
      found = pick(t.distributions, params);
      continue;
    }
    for (const p of params) {
      if (!distributionsEqual(found[p], t.distributions[p])) {
        throw new InvalidArgumentError(
          `Importance: parameter '${p}' has different distributions across trials; analyse it separately or leave it out of params.`,
        );
      }
    }
  }
  if (!found) {
    throw new InvalidArgumentError(`Importance: no COMPLETE trial has all of the parameters [${params.join(', ')}].`);
  }
  return found;
}
