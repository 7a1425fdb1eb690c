/**
 * Maximal update parametrization (muP) for tunelab's MLP: Yang, Hu et al. 2022, "Tensor Programs V:
 * Tuning Large Neural Networks via Zero-Shot Hyperparameter Transfer".
 *
 * Which rules, from which table. We implement **Table 8** of the paper (its "alternative, equivalent
 * muP formulation for easier implementation"), with every width factor taken relative to a base
 * width (the paper's base shapes, as its `mup` package does), so that at width == baseWidth muP is
 * exactly the standard parametrization (SP) the model already had. Per layer, with
 * r = width / baseWidth:
 *
 * | layer (MLP)                         | init variance           | multiplier | Adam-like lr | SGD-like lr |
 * |-------------------------------------|-------------------------|------------|--------------|-------------|
 * | input weights (d_in -> width)        | SP's at base (Theta(1)) | 1          | 1            | r (fan_out) |
 * | hidden weights (width -> width)      | SP's at width (1/fan_in)| 1          | 1/r          | 1           |
 * | output weights (width -> k)          | SP's at base (Theta(1)) | 1/r        | 1            | r (fan_in)  |
 * | biases of input and hidden layers   | zero                    | 1          | 1            | r (fan_out) |
 * | output bias                         | zero                    | 1          | 1            | 1 (fan_out = k) |
 *
 * Table 3 (the paper's main table) writes the same parametrization without the output multiplier:
 * output init variance 1/fan_in^2, Adam lr 1/fan_in and SGD lr 1/fan_in for the output weights, and
 * input SGD lr fan_out. Lemma J.1 maps one onto the other (a multiplier c on W is the same function
 * as weights scaled by c, with SGD lr divided by c^2 and Adam lr divided by c), so the two tables
 * train the same function; the multiplier form keeps the output weights' init and Adam lr
 * width-independent. Using *both* a 1/width^2 output init and a 1/width multiplier would count the
 * width twice; we use the multiplier only. `readoutZeroInit` gives the zero output init the paper
 * also recommends (then muP at base width is no longer SP at init).
 *
 * "Adam-like" covers adam, rmsprop and adagrad (invariant to gradient scale), "SGD-like" covers sgd
 * and momentum (paper, Table 3 caption and Appendix B.3).
 *
 * The per-layer learning rates need a learning rate per variable: Adam is invariant to a gradient's
 * scale, so scaling gradients would not scale Adam's step. The model is compiled with
 * {@link perVariableLrOptimizer}, which runs one tfjs optimizer per learning-rate group; each
 * optimizer's state (Adam's moments, its bias-correction powers) is per variable anyway, so this is
 * exactly Adam with a learning rate per variable.
 */
import type * as TfTypes from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';
import { setOptimizerLearningRate, type LearningRateOwner } from '../schedules/callback';
import type { OptimizerName } from './neural';

export type Parameterization = 'standard' | 'mup';

export type LayerRole = 'input' | 'hidden' | 'output';

/** How one dense layer is scaled relative to the standard parametrization at the same width. */
export interface LayerScaling {
  role: LayerRole;
  /** Multiplies the standard (Glorot-uniform) init variance of the kernel at this width. */
  initVarianceScale: number;
  /** Multiplies the layer's input in the forward pass (the output multiplier; 1 elsewhere). */
  inputMultiplier: number;
  /** Multiplies the base learning rate for the kernel. */
  kernelLr: number;
  /** Multiplies the base learning rate for the bias. */
  biasLr: number;
}

export interface WidthScalingOptions {
  parameterization: Parameterization;
  /** Input features (fan_in of the first layer). */
  inputDim: number;
  /** Width of every hidden layer. */
  width: number;
  /** The width at which muP equals the standard parametrization (required for 'mup'). */
  baseWidth?: number;
  hiddenLayers: number;
  /** Network outputs (fan_out of the last layer). */
  outputs: number;
  optimizer: OptimizerName;
}

/** True for optimizers whose step does not scale with the gradient (Adam and its relatives). */
export function isAdamLike(optimizer: OptimizerName): boolean {
  return optimizer === 'adam' || optimizer === 'rmsprop' || optimizer === 'adagrad';
}

/**
 * The scaling of each dense layer, input layer first (hiddenLayers + 1 entries). Under 'standard'
 * every factor is 1. With no hidden layer the single layer maps finite to finite dimensions, which
 * muP leaves alone.
 */
export function widthScaling(o: WidthScalingOptions): LayerScaling[] {
  const n = o.hiddenLayers + 1;
  const identity = (i: number): LayerScaling => ({
    role: i === 0 && n > 1 ? 'input' : i === n - 1 ? 'output' : 'hidden',
    initVarianceScale: 1,
    inputMultiplier: 1,
    kernelLr: 1,
    biasLr: 1,
  });
  const plain = Array.from({ length: n }, (_, i) => identity(i));
  if (o.parameterization === 'standard' || o.hiddenLayers === 0) return plain;
  const base = o.baseWidth;
  if (base === undefined || !(Number.isInteger(base) && base >= 1)) {
    throw new InvalidArgumentError(
      `MLP: parameterization 'mup' needs baseWidth, a positive integer (the width at which muP equals the standard parametrization), got ${String(base)}.`,
    );
  }
  const r = o.width / base;
  const adam = isAdamLike(o.optimizer);
  return plain.map((layer): LayerScaling => {
    if (layer.role === 'input') {
      // Glorot's fan_avg variance 2/(d + width) is the SP at this width; muP keeps the base's, 2/(d + base).
      return { ...layer, initVarianceScale: (o.inputDim + o.width) / (o.inputDim + base), kernelLr: adam ? 1 : r, biasLr: adam ? 1 : r };
    }
    if (layer.role === 'hidden') {
      // 2/(width + width) = 1/fan_in already: the SP init of a square hidden layer is muP's.
      return { ...layer, kernelLr: adam ? 1 / r : 1, biasLr: adam ? 1 : r };
    }
    return {
      ...layer,
      initVarianceScale: (o.width + o.outputs) / (base + o.outputs),
      inputMultiplier: 1 / r,
      kernelLr: adam ? 1 : r,
      biasLr: 1,
    };
  });
}

/** @internal One learning-rate group: the variables (by tfjs name) that share a factor. */
export interface LrGroup {
  scale: number;
  variableNames: string[];
}

type Tf = typeof TfTypes;

/** @internal The tfjs optimizer with a learning rate per group of variables. */
export interface PerVariableLrOptimizer extends LearningRateOwner {
  setLearningRate(lr: number): void;
  /** The learning rate each variable currently uses (for tests and inspection). */
  learningRates(): Map<string, number>;
}

/**
 * @internal An optimizer that applies `makeInner(lr * group.scale)` to each group's variables. The
 * result is a real `tf.Optimizer` (LayersModel.compile accepts it); setLearningRate (which
 * learning-rate schedules call) sets every group's rate from the base rate.
 */
export function perVariableLrOptimizer(
  tf: Tf,
  groups: LrGroup[],
  lr: number,
  makeInner: (lr: number) => TfTypes.Optimizer,
): TfTypes.Optimizer & PerVariableLrOptimizer {
  class PerVariableLr extends tf.Optimizer implements PerVariableLrOptimizer {
    static className = 'TunelabPerVariableLr';
    private readonly inner: Array<{ group: LrGroup; optimizer: TfTypes.Optimizer }>;
    constructor() {
      super();
      this.inner = groups.map((group) => ({ group, optimizer: makeInner(lr * group.scale) }));
    }
    applyGradients(variableGradients: TfTypes.NamedTensorMap | Array<{ name: string; tensor: TfTypes.Tensor }>): void {
      const byName: TfTypes.NamedTensorMap = Array.isArray(variableGradients)
        ? Object.fromEntries(variableGradients.map((v) => [v.name, v.tensor]))
        : variableGradients;
      const known = new Set(groups.flatMap((g) => g.variableNames));
      const stray = Object.keys(byName).filter((name) => !known.has(name));
      if (stray.length)
        throw new InvalidArgumentError(`per-layer learning rates: no learning-rate group for variable(s) ${stray.join(', ')}.`);
      for (const { group, optimizer } of this.inner) {
        // The same names in the same order at every step: tfjs optimizers index their state by position.
        const sub: TfTypes.NamedTensorMap = {};
        for (const name of group.variableNames) {
          const g = byName[name];
          if (!g) throw new InvalidArgumentError(`per-layer learning rates: no gradient for variable ${name}.`);
          sub[name] = g;
        }
        optimizer.applyGradients(sub);
      }
      this.incrementIterations();
    }
    setLearningRate(base: number): void {
      for (const { group, optimizer } of this.inner)
        setOptimizerLearningRate(optimizer as unknown as LearningRateOwner, base * group.scale);
    }
    learningRates(): Map<string, number> {
      const out = new Map<string, number>();
      for (const { group, optimizer } of this.inner) {
        const rate = (optimizer as unknown as { learningRate: number }).learningRate;
        for (const name of group.variableNames) out.set(name, rate);
      }
      return out;
    }
    dispose(): void {
      for (const { optimizer } of this.inner) optimizer.dispose();
    }
    getConfig(): TfTypes.serialization.ConfigDict {
      return { groups: groups.map((g) => ({ scale: g.scale, variableNames: g.variableNames })) };
    }
  }
  return new PerVariableLr();
}
