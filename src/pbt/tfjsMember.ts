import type { Hyperparameters, PbtMember } from './pbt';

/**
 * Structural views of the tfjs objects a PBT member needs, so this module never imports tfjs
 * itself: the caller's `createMember` builds the model (loading tfjs when it runs), and nothing is
 * loaded for users who never call PBT with tfjs.
 */
interface TensorLike {
  clone(): TensorLike;
  dispose(): void;
  dataSync(): ArrayLike<number>;
}
export interface LayersModelLike {
  fit(x: unknown, y: unknown, args: Record<string, unknown>): Promise<unknown>;
  evaluate(x: unknown, y: unknown, args?: Record<string, unknown>): TensorLike | TensorLike[];
  getWeights(): TensorLike[];
  setWeights(weights: TensorLike[]): void;
  optimizer?: unknown;
  dispose?(): void;
}

export interface TfjsMemberOptions {
  /** A compiled tfjs LayersModel. */
  model: LayersModelLike;
  x: unknown;
  y: unknown;
  validationX: unknown;
  validationY: unknown;
  batchSize?: number;
  /**
   * Which output of model.evaluate is the score: 0 is the loss, 1 the first compiled metric.
   * Default: 1 when the model has metrics, else 0. Pair it with pbt's `direction`.
   */
  scoreIndex?: number;
  /**
   * Apply a member's hyperparameters before each round. Default: set the optimizer's learning rate
   * from `learningRate` when present (tfjs optimizers read it at every step).
   */
  applyHyperparameters?(model: LayersModelLike, hp: Hyperparameters): void;
}

/**
 * A PBT member around a tfjs LayersModel: a round trains `steps` epochs, the score comes from
 * model.evaluate on validation data, and exploit copies weight values (cloned tensors). Optimizer
 * slots (momentum, Adam moments) stay with the member, as in most PBT implementations.
 */
export function tfjsMember(opts: TfjsMemberOptions): PbtMember<TensorLike[]> {
  const { model } = opts;
  const apply =
    opts.applyHyperparameters ??
    ((m: LayersModelLike, hp: Hyperparameters) => {
      const opt = m.optimizer as { learningRate?: number } | undefined;
      if (opt && typeof hp.learningRate === 'number') opt.learningRate = hp.learningRate;
    });
  return {
    async train(steps, hp) {
      apply(model, hp);
      await model.fit(opts.x, opts.y, { epochs: steps, batchSize: opts.batchSize ?? 32, verbose: 0, shuffle: true });
    },
    evaluate() {
      const out = model.evaluate(opts.validationX, opts.validationY, { batchSize: opts.batchSize ?? 32 });
      const arr = Array.isArray(out) ? out : [out];
      const idx = opts.scoreIndex ?? (arr.length > 1 ? 1 : 0);
      const v = arr[idx].dataSync()[0];
      for (const t of arr) t.dispose();
      return v;
    },
    getWeights() {
      return model.getWeights().map((w) => w.clone());
    },
    setWeights(weights) {
      model.setWeights(weights);
    },
    disposeWeights(weights) {
      for (const w of weights) w.dispose();
    },
    dispose() {
      model.dispose?.();
    },
  };
}
