/**
 * A chain of transformers ending in an estimator, fitted as one estimator: under cross-validation
 * every transformer is fitted on the training fold only, so nothing leaks from the test fold.
 * Hyperparameters are addressed as `step__param` (scikit-learn's convention), e.g. `svm__C` or
 * `pca__nComponents`, so grids and studies can tune preprocessing and model together.
 */
import { showAsConstructed } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import { checkOptionKeys, type Exactly } from '../options';
import type { Estimator, Matrix, Params, Vector } from './estimator';
import type { Transformer } from './preprocessing';

export type PipelineStep = readonly [name: string, step: Transformer | Estimator];

type ParamsOfStep<T> = T extends { getParams(): infer P } ? P : never;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/**
 * A pipeline's hyperparameters, `step__param` for every step, typed from the steps:
 * `new Pipeline([['scale', new StandardScaler()], ['svm', new SVC()]])` has `svm__C: number`,
 * `scale__withMean: boolean`, ... and nothing else, so `clone({ svm__c: 1 })` does not compile.
 */
export type PipelineParams<S extends readonly PipelineStep[]> = AsParams<
  UnionToIntersection<
    {
      [I in keyof S]: S[I] extends readonly [infer N extends string, infer T]
        ? { [K in keyof ParamsOfStep<T> & string as `${N}__${K}`]: ParamsOfStep<T>[K] }
        : never;
    }[number]
  >
>;
type AsParams<T> = T extends Params ? T : Params;

function isEstimator(s: Transformer | Estimator): s is Estimator {
  return typeof (s as Estimator).predict === 'function';
}

export class Pipeline<const S extends readonly PipelineStep[] = readonly PipelineStep[]> implements Estimator<PipelineParams<S>> {
  readonly estimatorType: 'classifier' | 'regressor';
  private readonly transformers: Array<[string, Transformer]>;
  private readonly final: [string, Estimator];

  constructor(readonly steps: S) {
    showAsConstructed(this, 'Pipeline', [steps]);
    if (steps.length === 0) throw new InvalidArgumentError('Pipeline: give at least one step, the last being an estimator.');
    const names = new Set<string>();
    for (const [name] of steps) {
      if (names.has(name) || name.includes('__'))
        throw new InvalidArgumentError(`Pipeline: step names must be unique and free of "__"; got "${name}".`);
      names.add(name);
    }
    const last = steps[steps.length - 1];
    if (!isEstimator(last[1]))
      throw new InvalidArgumentError(`Pipeline: the last step ("${last[0]}") must be an estimator with fit/predict.`);
    this.final = [last[0], last[1]];
    this.transformers = steps.slice(0, -1).map(([n, s]) => {
      if (isEstimator(s))
        throw new InvalidArgumentError(
          `Pipeline: step "${n}" must be a transformer (fit/transform); only the last step may be an estimator.`,
        );
      return [n, s];
    });
    this.estimatorType = this.final[1].estimatorType;
  }

  getParams(): PipelineParams<S> {
    const out: Params = {};
    for (const [name, step] of this.steps) for (const [k, v] of Object.entries(step.getParams())) out[`${name}__${k}`] = v;
    return out as PipelineParams<S>;
  }

  /** An unfitted copy with some `step__param` hyperparameters replaced; an unknown name throws (naming the nearest valid one). */
  clone<O extends Partial<PipelineParams<S>>>(params?: Exactly<O, PipelineParams<S>>): Pipeline<S> {
    const given: Params = params ?? {};
    checkOptionKeys('Pipeline.clone', given, Object.keys(this.getParams()), 'parameter (stepName__param)');
    const perStep = new Map<string, Params>(this.steps.map(([n]) => [n, {}]));
    for (const [key, value] of Object.entries(given)) {
      const i = key.indexOf('__');
      (perStep.get(key.slice(0, i)) as Params)[key.slice(i + 2)] = value;
    }
    return new Pipeline(this.steps.map(([n, s]) => [n, s.clone(perStep.get(n))] as const) as unknown as S);
  }

  /** Whether fit has run (so predict's errors speak of the pipeline, not of its first step). */
  private fitted = false;

  private transformAll(X: Matrix, method: string): Matrix {
    if (!this.fitted) throw new InvalidArgumentError(`Pipeline.${method}: call fit(X, y) first.`);
    let out = X;
    for (const [, t] of this.transformers) out = t.transform(out);
    return out;
  }

  async fit(X: Matrix, y: Vector): Promise<this> {
    this.fitted = false;
    let out = X;
    for (const [, t] of this.transformers) out = t.fit(out).transform(out);
    await this.final[1].fit(out, y);
    this.fitted = true;
    return this;
  }

  predict(X: Matrix): number[] {
    return this.final[1].predict(this.transformAll(X, 'predict'));
  }

  score(X: Matrix, y: Vector): number {
    return this.final[1].score(this.transformAll(X, 'score'), y);
  }

  /** A fitted step by name (e.g. to read PCA's explainedVarianceRatio). */
  step(name: string): Transformer | Estimator {
    const s = this.steps.find(([n]) => n === name);
    if (!s) throw new InvalidArgumentError(`Pipeline.step: no step named "${name}".`);
    return s[1];
  }
}
