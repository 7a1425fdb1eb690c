/**
 * Neural networks on TensorFlow.js with the hyperparameters tuning studies vary (learning rate,
 * batch size, epochs, optimizer, momentum, weight decay, dropout, layers, units, activation;
 * filters, kernel size, stride, padding, pooling; LSTM hidden size and layers; input noise).
 *
 * - Deterministic given `seed`: initialisers are seeded, the data are shuffled every epoch by a
 *   seeded Rng (./training/seededEpochs.ts), and dropout / input noise draw a fresh seed from an
 *   Rng at every batch (tfjs's seeded Dropout would reuse one mask for the whole run). Without a
 *   `seed`, a model built inside a running trial takes the next seed of the trial's stream
 *   (reproducibility/context.ts); elsewhere the default is 0.
 * - This module builds the networks; `fit` prepares the data and hands the epoch loop to
 *   ./training/trainer.ts with Keras-style callbacks: pruning (reports the validation metric to a
 *   trial each epoch, throws TrialPruned when the study's pruner says so), early stopping, a
 *   learning-rate schedule per batch or per epoch, and the user's own (`callbacks`, `onEpochEnd`).
 * - They implement the Estimator interface, so crossValidate and the searches accept them.
 *
 * tfjs is loaded lazily by the first fit (see ../backend.ts).
 */
import { showModelParams } from '../constructedDisplay';
import type * as TfTypes from '@tensorflow/tfjs';
import { loadedTf, loadTf, quietly } from '../backend';
import { InvalidArgumentError } from '../errors';
import { checkOptionKeys, mergeOptions, optionKeys, type Exactly, type ModelOptions, type WithRandomState } from '../options';
import { Rng } from '../rng';
import { withAmbientSeed } from '../reproducibility/componentSeed';
import type { LearningRateOwner } from '../schedules/callback';
import type { Schedule } from '../schedules/index';
import type { Trial } from '../trial';
import { accuracy, r2, type Estimator } from './estimator';
import { perVariableLrOptimizer, widthScaling, type LayerScaling, type LrGroup, type Parameterization } from './mup';
import type { EpochRecord, TrainingCallback } from './training/callback';
import { checkEarlyStopping, EarlyStoppingCallback, type EarlyStopping } from './training/earlyStopping';
import { learningRateScheduleCallback } from './training/learningRateSchedule';
import { pruningCallback } from './training/pruning';
import { seededEpochs, type HostArray } from './training/seededEpochs';
import { train } from './training/trainer';
import { requireInt } from '../validate';

/**
 * @internal Declarations naming tfjs's types are @internal (stripped from the .d.ts, see
 * ../backend.ts) so that type-checking a notebook that imports tunelab never loads tfjs's own.
 */
type Tf = typeof TfTypes;
/** @internal A tfjs kernel initialiser (every factory in tf.initializers returns this class). */
type TfInitializer = ReturnType<Tf['initializers']['zeros']>;

export type Task = 'classification' | 'regression' | 'multilabel';
export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'rmsprop' | 'adagrad';
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'linear';

/** Options every network shares; an unknown key is a compile error in TypeScript and an InvalidArgumentError at run time. */
export type TrainingParams = {
  task: Task;
  optimizer: OptimizerName;
  learningRate: number;
  /** Momentum for 'momentum' and 'rmsprop' (and 'sgd' when > 0). */
  momentum: number;
  /** L2 weight decay on kernels: adds weightDecay/2 * |W|^2 to the loss (the gradient PyTorch's weight_decay adds). */
  weightDecay: number;
  batchSize: number;
  epochs: number;
  /** Standard deviation of Gaussian noise added to the inputs during training (Greff et al.'s input noise). */
  inputNoise: number;
  dropout: number;
  activation: Activation;
  seed: number;
};

export type MLPParams = TrainingParams & {
  /** Width of each hidden layer. */
  hiddenUnits: number;
  /** Number of hidden layers (0 = a linear/logistic model). */
  hiddenLayers: number;
  /**
   * 'standard' (default): Glorot-uniform init and one learning rate. 'mup': the maximal update
   * parametrization of Yang & Hu et al. 2022 (Table 8, relative to `baseWidth`; see ./mup.ts), under
   * which the best learning rate (and init scale) found at one width stays best at other widths.
   * muP composes with `initDistribution`/`initScale` (see there).
   */
  parameterization: Parameterization;
  /** muP's base width: the width at which 'mup' equals 'standard' (required for 'mup'). */
  baseWidth?: number;
  /**
   * Initialise the output layer's kernel to zero (the paper's recommended muP readout init, and
   * Bergstra & Bengio's output layer). Otherwise it is seeded Glorot-uniform (muP-scaled under 'mup').
   */
  readoutZeroInit: boolean;
  /**
   * Distribution of the hidden layers' initial weights (every dense layer before the output layer)
   * before scaling: 'uniform' on [-1, 1] or 'normal' N(0, 1). The two weight-initialisation choices
   * of Bergstra & Bengio (2012). The output layer is not affected (see `readoutZeroInit`).
   */
  initDistribution: 'uniform' | 'normal';
  /**
   * How that draw is scaled: 'glorot' multiplies it by sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio
   * 2010; with 'uniform' this is tfjs's glorotUniform, the default), a number c multiplies it by
   * c / sqrt(fanIn) (the older fan-in heuristic, c in [0.2, 2] in Bergstra's searches).
   *
   * With `parameterization: 'mup'` the two compose rather than conflict: the scheme says what the
   * standard parametrization's init is, and muP keeps the input layer's variance at the scheme's
   * value at `baseWidth` and each hidden layer's at 1/fanIn. For 'glorot' that means the input layer
   * draws as if its fanOut were `baseWidth`; a fan-in scale c / sqrt(fanIn) already satisfies both
   * rules (the input layer's fanIn is the input dimension, whatever the width), so it is used as is.
   * At width == baseWidth, muP with a scheme is exactly 'standard' with that scheme.
   */
  initScale: 'glorot' | number;
};

export type CNNParams = TrainingParams & {
  /** [height, width, channels]; rows of X are images flattened row-major (or nested arrays). */
  inputShape: [number, number, number];
  /** Filters of each convolution block (one conv layer + optional pooling per entry). */
  filters: number[];
  kernelSize: number;
  strides: number;
  padding: 'same' | 'valid';
  pooling: 'max' | 'avg' | 'none';
  poolSize: number;
  /** Width of the dense layer after the convolutions (0 for none). */
  denseUnits: number;
};

export type LSTMParams = TrainingParams & {
  /** [timeSteps, features]; rows of X are sequences (nested [t][f] arrays, or flattened). */
  inputShape: [number, number];
  hiddenSize: number;
  layers: number;
  /**
   * Predict an output at every time step instead of one per sequence: y is [sample][t][outputs], or
   * [sample][t] class labels for classification (softmax and cross-entropy at every step).
   */
  sequenceOutput: boolean;
};

export interface FitOptions {
  /** Held-out data scored after every epoch. */
  validationData?: [ReadonlyArray<unknown>, ReadonlyArray<unknown>];
  /** Instead of validationData: hold out this fraction of the training rows (chosen with the model's seed). */
  validationSplit?: number;
  /** A trial to report the validation metric to after each epoch (step = epoch); pruned trials throw TrialPruned. */
  trial?: Trial;
  /** 'accuracy' (classification default, higher is better) or 'loss' (otherwise; lower is better). */
  metric?: 'accuracy' | 'loss';
  earlyStopping?: EarlyStopping;
  schedule?: Schedule;
  /** Apply the schedule before each batch (default) or each epoch. */
  schedulePer?: 'batch' | 'epoch';
  /** Called after each epoch with its record (before pruning and early stopping look at it). */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /**
   * Keras-style callbacks, called in order after `onEpochEnd` and before pruning and early
   * stopping; return `{ stopTraining: true }` from onEpochEnd to stop after that epoch.
   */
  callbacks?: TrainingCallback[];
  /**
   * How often tfjs yields to the event loop inside an epoch (its fit option). Default 'never': the
   * per-batch yields cost throughput, and tunelab reports progress between epochs anyway. Use
   * 'auto' or 'batch' to keep a UI responsive during long epochs.
   */
  yieldEvery?: 'auto' | 'batch' | 'epoch' | 'never';
}
const FIT_OPTION_KEYS = optionKeys<FitOptions>({
  validationData: true,
  validationSplit: true,
  trial: true,
  metric: true,
  earlyStopping: true,
  schedule: true,
  schedulePer: true,
  onEpochEnd: true,
  callbacks: true,
  yieldEvery: true,
});

const TRAINING_DEFAULTS: TrainingParams = {
  task: 'classification',
  optimizer: 'adam',
  learningRate: 1e-3,
  momentum: 0.9,
  weightDecay: 0,
  batchSize: 32,
  epochs: 10,
  inputNoise: 0,
  dropout: 0,
  activation: 'relu',
  seed: 0,
};

function checkTraining(where: string, p: TrainingParams): void {
  const bad = (name: string, v: unknown, what: string) => {
    throw new InvalidArgumentError(`${where}: ${name} must be ${what}, got ${String(v)}.`);
  };
  if (!['classification', 'regression', 'multilabel'].includes(p.task))
    bad('task', p.task, "'classification', 'regression' or 'multilabel'");
  if (!['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'].includes(p.optimizer))
    bad('optimizer', p.optimizer, 'sgd, momentum, adam, rmsprop or adagrad');
  if (!(p.learningRate > 0)) bad('learningRate', p.learningRate, '> 0');
  if (!(p.momentum >= 0 && p.momentum < 1)) bad('momentum', p.momentum, 'in [0, 1)');
  if (!(p.weightDecay >= 0)) bad('weightDecay', p.weightDecay, '>= 0');
  requireInt(where, 'batchSize', p.batchSize, 1);
  requireInt(where, 'epochs', p.epochs, 1);
  if (!(p.inputNoise >= 0)) bad('inputNoise', p.inputNoise, '>= 0');
  if (!(p.dropout >= 0 && p.dropout < 1)) bad('dropout', p.dropout, 'in [0, 1)');
  if (!Number.isInteger(p.seed)) bad('seed', p.seed, 'an integer');
}

/** Flatten nested numeric arrays into one Float32Array (rows may be flat or nested). */
function flatten(rows: ReadonlyArray<unknown>, perRow: number, where: string): Float32Array {
  const out = new Float32Array(rows.length * perRow);
  let k = 0;
  const walk = (v: unknown) => {
    if (typeof v === 'number') out[k++] = v;
    else if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const a = v as ArrayLike<unknown>;
      for (let j = 0; j < a.length; j++) walk(a[j]);
    } else throw new InvalidArgumentError(`${where}: expected numbers or nested arrays of numbers, found ${typeof v}.`);
  };
  for (let i = 0; i < rows.length; i++) {
    const before = k;
    walk(rows[i]);
    if (k - before !== perRow) {
      throw new InvalidArgumentError(`${where}: row ${i} holds ${k - before} numbers but the input shape needs ${perRow}.`);
    }
  }
  return out;
}

/** @internal Layers defined once tfjs is loaded: dropout and Gaussian noise that draw a new seed from an Rng for every batch. */
interface SeededLayers {
  dropout(rate: number, seed: number): TfTypes.layers.Layer;
  gaussianNoise(std: number, seed: number): TfTypes.layers.Layer;
}
let seededLayers: SeededLayers | null = null;

function defineSeededLayers(tf: Tf): SeededLayers {
  if (seededLayers) return seededLayers;
  class RngLayer extends tf.layers.Layer {
    static className = 'TunelabRngLayer';
    protected readonly rng: Rng;
    constructor(
      protected readonly amount: number,
      seed: number,
      private readonly kind: 'dropout' | 'noise',
    ) {
      super({});
      this.rng = new Rng(seed);
    }
    computeOutputShape(shape: TfTypes.Shape | TfTypes.Shape[]): TfTypes.Shape | TfTypes.Shape[] {
      return shape;
    }
    call(inputs: TfTypes.Tensor | TfTypes.Tensor[], kwargs: Record<string, unknown>): TfTypes.Tensor {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (kwargs.training !== true || this.amount === 0) return x;
      const seed = this.rng.int(0, 0x7fffffff);
      return tf.tidy(() =>
        this.kind === 'dropout'
          ? tf.dropout(x, this.amount, undefined, seed)
          : tf.add(x, tf.randomNormal(x.shape, 0, this.amount, 'float32', seed)),
      );
    }
    getClassName(): string {
      return this.kind === 'dropout' ? 'TunelabSeededDropout' : 'TunelabSeededGaussianNoise';
    }
  }
  seededLayers = {
    dropout: (rate, seed) => new RngLayer(rate, seed, 'dropout'),
    gaussianNoise: (std, seed) => new RngLayer(std, seed, 'noise'),
  };
  return seededLayers;
}

/** @internal What a subclass gets to build the layers between the input and the output layer. */
interface BuildContext {
  tf: Tf;
  layers: SeededLayers;
  rng: Rng;
  /**
   * A seeded Glorot-uniform initialiser (a new seed per call); `varianceScale` multiplies its
   * variance (1 draws exactly what glorotUniform draws from the same seed).
   */
  init(varianceScale?: number): ReturnType<Tf['initializers']['glorotUniform']>;
  /** Per dense layer scaling (muP), input layer first; null for the standard parametrization. */
  scaling: LayerScaling[] | null;
  regularizer(): ReturnType<Tf['regularizers']['l2']> | undefined;
}

/**
 * The part of a tfjs `tf.LayersModel` that tunelab's own types describe. It is a structural subset:
 * `net.tfModel as tf.LayersModel` needs no `unknown` in between, and naming it does not make the
 * type checker load @tensorflow/tfjs's declarations (hundreds of files, seconds in a notebook).
 */
export interface TfModelHandle {
  readonly name: string;
  /** The model's layers, input layer first. */
  readonly layers: ReadonlyArray<{ readonly name: string; getClassName(): string; countParams(): number }>;
  /** The optimizer fit compiled the model with (a tfjs `tf.Optimizer`). */
  readonly optimizer: object;
  countParams(): number;
  /** Prints the layer table (through `printFn`, console.log by default). */
  summary(lineLength?: number, positions?: number[], printFn?: (message?: unknown, ...rest: unknown[]) => void): void;
  /** tfjs's model.save: a URL such as 'file://dir' (tfjs-node), 'localstorage://name', or an IOHandler. */
  save(handlerOrURL: string | object, config?: object): Promise<unknown>;
}

export abstract class NeuralNetwork<P extends TrainingParams = TrainingParams> implements Estimator<P> {
  protected readonly params: P;
  /** @internal */
  protected model: TfTypes.LayersModel | null = null;
  private nOutputs = 0;
  /** Per-epoch losses, validation metrics and learning rates of the last fit. */
  history: EpochRecord[] = [];
  /** The epoch whose weights the model holds after early stopping (last epoch otherwise). */
  bestEpoch = -1;

  constructor(defaults: P, params: ModelOptions<P>) {
    this.params = withAmbientSeed(defaults, params, (given) => mergeOptions(this.constructor.name, defaults, given));
    checkTraining(this.constructor.name, this.params);
    this.validate(this.params);
    showModelParams(this, this.constructor.name, defaults, this.params);
  }

  get estimatorType(): 'classifier' | 'regressor' {
    return this.params.task === 'classification' ? 'classifier' : 'regressor';
  }

  getParams(): P {
    return { ...this.params };
  }

  /** An unfitted copy with some hyperparameters replaced (each network's own clone is exact: unknown keys do not compile). */
  abstract clone(params?: ModelOptions<P>): NeuralNetwork<P>;
  protected abstract validate(p: P): void;
  /** Shape of one input sample (without the batch dimension), given the flat row length. */
  protected abstract inputShape(rowLength: number): number[];
  /** @internal Hidden layers from the input to the last hidden representation. */
  protected abstract hidden(ctx: BuildContext, input: TfTypes.SymbolicTensor): TfTypes.SymbolicTensor;
  /** Whether the output is per time step (sequence-to-sequence). */
  protected perStepOutput(): boolean {
    return false;
  }
  /** @internal Per dense layer init / multiplier / learning-rate factors (muP), or null for none. */
  protected layerScaling(_inputDim: number, _outputs: number): LayerScaling[] | null {
    return null;
  }
  /** Whether the output layer's kernel starts at zero. */
  protected zeroReadout(): boolean {
    return false;
  }

  /**
   * The underlying tfjs model after fit (null before). Typed as {@link TfModelHandle} so tunelab's
   * declarations stay free of tfjs's; for tfjs's full type, cast it:
   * `import type * as tf from '@tensorflow/tfjs'; const m = net.tfModel as tf.LayersModel | null;`
   */
  get tfModel(): TfModelHandle | null {
    return this.model;
  }

  private rowLength(X: ReadonlyArray<unknown>): number {
    const count = (v: unknown): number =>
      typeof v === 'number'
        ? 1
        : Array.isArray(v) || ArrayBuffer.isView(v)
          ? Array.from(v as ArrayLike<unknown>, count).reduce((a, b) => a + b, 0)
          : 0;
    return count(X[0]);
  }

  /** Samples as one host-side Float32Array plus the per-sample shape. */
  private xHost(X: ReadonlyArray<unknown>, where: string): HostArray {
    if (!Array.isArray(X) || X.length === 0) throw new InvalidArgumentError(`${where}: X must be a non-empty array of samples.`);
    const len = this.rowLength(X);
    return { data: flatten(X, len, where), rows: X.length, rowShape: this.inputShape(len) };
  }

  /** Targets as a host-side Float32Array: one-hot rows for classification, values otherwise. */
  private yHost(y: ReadonlyArray<unknown>, where: string): HostArray {
    if (this.params.task === 'classification') {
      const k = this.nOutputs;
      // Per-step output: y[i] holds one label per time step, each one-hot encoded in turn.
      if (this.perStepOutput() && !Array.isArray(y[0])) {
        throw new InvalidArgumentError(
          `${where}: with sequenceOutput, each y[i] must be an array with one class label per time step, found ${JSON.stringify(y[0])}.`,
        );
      }
      const steps = this.perStepOutput() ? this.stepsOf(y) : 1;
      const data = new Float32Array(y.length * steps * k);
      y.forEach((row, i) => {
        const labels = this.perStepOutput() ? (row as ReadonlyArray<unknown>) : [row];
        if (!Array.isArray(labels) || labels.length !== steps) {
          throw new InvalidArgumentError(
            `${where}: with sequenceOutput every y[i] must hold ${steps} step labels, found ${JSON.stringify(row)}.`,
          );
        }
        labels.forEach((v: unknown, t: number) => {
          if (!(Number.isInteger(v) && (v as number) >= 0 && (v as number) < k)) {
            throw new InvalidArgumentError(`${where}: classification labels must be integers 0..k-1, found ${String(v)}.`);
          }
          data[(i * steps + t) * k + (v as number)] = 1;
        });
      });
      return { data, rows: y.length, rowShape: this.perStepOutput() ? [steps, k] : [k] };
    }
    const steps = this.perStepOutput() ? this.stepsOf(y) : 1;
    const data = flatten(y, this.nOutputs * steps, where);
    return { data, rows: y.length, rowShape: this.perStepOutput() ? [steps, this.nOutputs] : [this.nOutputs] };
  }

  private tensorOf(tf: Tf, h: HostArray): TfTypes.Tensor {
    return tf.tensor(h.data, [h.rows, ...h.rowShape]);
  }

  private stepsOf(y: ReadonlyArray<unknown>): number {
    return (y[0] as ReadonlyArray<unknown>).length;
  }

  private outputsOf(y: ReadonlyArray<unknown>): number {
    if (this.params.task === 'classification') {
      const labels = this.perStepOutput() ? (y as ReadonlyArray<ReadonlyArray<number>>).flat() : (y as number[]);
      return labels.reduce((a, b) => Math.max(a, b), 0) + 1;
    }
    const first = y[0];
    if (typeof first === 'number') return 1;
    const inner = this.perStepOutput() ? (first as ReadonlyArray<unknown>)[0] : first;
    return typeof inner === 'number' ? 1 : (inner as ArrayLike<unknown>).length;
  }

  private makeOptimizer(tf: Tf, lr: number): TfTypes.Optimizer {
    const { optimizer, momentum } = this.params;
    switch (optimizer) {
      case 'sgd':
        return momentum > 0 ? tf.train.momentum(lr, momentum) : tf.train.sgd(lr);
      case 'momentum':
        return tf.train.momentum(lr, momentum);
      case 'adam':
        return tf.train.adam(lr);
      case 'rmsprop':
        return tf.train.rmsprop(lr, 0.9, momentum);
      case 'adagrad':
        return tf.train.adagrad(lr);
    }
  }

  private build(tf: Tf, rowLength: number): TfTypes.LayersModel {
    const p = this.params;
    const rng = new Rng(`${p.seed}:weights`);
    const scaling = this.layerScaling(rowLength, this.nOutputs);
    const ctx: BuildContext = {
      tf,
      layers: defineSeededLayers(tf),
      rng,
      init: (varianceScale = 1) =>
        tf.initializers.varianceScaling({ scale: varianceScale, mode: 'fanAvg', distribution: 'uniform', seed: rng.int(0, 0x7fffffff) }),
      regularizer: () => (p.weightDecay > 0 ? tf.regularizers.l2({ l2: p.weightDecay / 2 }) : undefined),
      scaling,
    };
    const input = tf.input({ shape: this.inputShape(rowLength) });
    let x: TfTypes.SymbolicTensor = input;
    if (p.inputNoise > 0) x = ctx.layers.gaussianNoise(p.inputNoise, rng.int(0, 0x7fffffff)).apply(x) as TfTypes.SymbolicTensor;
    x = this.hidden(ctx, x);
    const readout = scaling?.[scaling.length - 1];
    // muP's output multiplier, applied to the readout's input: W(c h) + b = c (W h) + b, the bias unscaled.
    if (readout && readout.inputMultiplier !== 1)
      x = tf.layers.rescaling({ scale: readout.inputMultiplier }).apply(x) as TfTypes.SymbolicTensor;
    const activation = p.task === 'classification' ? 'softmax' : p.task === 'multilabel' ? 'sigmoid' : 'linear';
    const readoutInit = ctx.init(readout?.initVarianceScale ?? 1); // drawn even when unused, so later seeds do not move
    const kernelInitializer = this.zeroReadout() ? tf.initializers.zeros() : readoutInit;
    const dense = tf.layers.dense({ units: this.nOutputs, activation, kernelInitializer, kernelRegularizer: ctx.regularizer() });
    const output = (this.perStepOutput() ? tf.layers.timeDistributed({ layer: dense }) : dense).apply(x) as TfTypes.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const loss =
      p.task === 'classification' ? 'categoricalCrossentropy' : p.task === 'multilabel' ? 'binaryCrossentropy' : 'meanSquaredError';
    const groups = scaling ? this.learningRateGroups(model, scaling) : null;
    const optimizer = groups
      ? perVariableLrOptimizer(tf, groups, p.learningRate, (lr) => this.makeOptimizer(tf, lr))
      : this.makeOptimizer(tf, p.learningRate);
    model.compile({ optimizer, loss });
    return model;
  }

  /** Variables grouped by learning-rate factor (null when every factor is 1: a plain optimizer is the same). */
  private learningRateGroups(model: TfTypes.LayersModel, scaling: LayerScaling[]): LrGroup[] | null {
    const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
    if (dense.length !== scaling.length) throw new Error(`internal: ${dense.length} dense layers but ${scaling.length} layer scalings`);
    const byScale = new Map<number, string[]>();
    dense.forEach((layer, i) => {
      for (const w of layer.trainableWeights) {
        const scale = w.shape.length === 1 ? scaling[i].biasLr : scaling[i].kernelLr;
        byScale.set(scale, [...(byScale.get(scale) ?? []), w.name]);
      }
    });
    if (byScale.size === 1 && byScale.has(1)) return null;
    return [...byScale].map(([scale, variableNames]) => ({ scale, variableNames }));
  }

  /**
   * Train from scratch. Without options it trains `epochs` epochs (what cross-validation calls);
   * with a trial it reports the validation metric each epoch and can be pruned.
   */
  async fit(X: ReadonlyArray<unknown>, y: ReadonlyArray<unknown>, opts: FitOptions = {}): Promise<this> {
    const where = `${this.constructor.name}.fit`;
    checkOptionKeys(where, opts, FIT_OPTION_KEYS);
    const tf = await loadTf();
    if (X.length !== y.length) throw new InvalidArgumentError(`${where}: X has ${X.length} samples but y has ${y.length}.`);
    const p = this.params;
    let trainX = X;
    let trainY = y;
    let val = opts.validationData;
    if (!val && opts.validationSplit !== undefined) {
      const f = opts.validationSplit;
      if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`${where}: validationSplit must be in (0, 1), got ${f}.`);
      const order = new Rng(`${p.seed}:validation`).shuffle(X.map((_, i) => i));
      const nVal = Math.max(1, Math.round(f * X.length));
      const valIdx = order.slice(0, nVal);
      const trIdx = order.slice(nVal).sort((a, b) => a - b);
      val = [valIdx.map((i) => X[i]), valIdx.map((i) => y[i])];
      trainX = trIdx.map((i) => X[i]);
      trainY = trIdx.map((i) => y[i]);
    }
    if (opts.trial && !val) throw new InvalidArgumentError(`${where}: reporting to a trial needs validationData or validationSplit.`);
    if (opts.earlyStopping && !val) throw new InvalidArgumentError(`${where}: early stopping needs validationData or validationSplit.`);
    if (opts.earlyStopping) checkEarlyStopping(where, opts.earlyStopping);

    this.disposeModel();
    this.nOutputs = Math.max(this.outputsOf(trainY), val ? this.outputsOf(val[1]) : 0, this.params.task === 'classification' ? 2 : 1);
    const rowLength = this.rowLength(trainX);
    // Training data stay on the host; ./training/seededEpochs.ts cuts each epoch's batches from them.
    const xTrain = this.xHost(trainX, where);
    const yTrain = this.yHost(trainY, where);
    const xVal = val ? this.tensorOf(tf, this.xHost(val[0], `${where} (validation)`)) : null;
    const valTargets = val ? val[1] : null;
    // tfjs warns that the orthogonal initialiser is slow above 2,000 elements (an LSTM's recurrent
    // kernel); it runs once per fit, so keep notebooks free of that noise.
    const model = quietly(() => this.build(tf, rowLength));
    this.model = model;
    this.history = [];
    this.bestEpoch = -1;
    const monitor = opts.metric ?? (p.task === 'classification' ? 'accuracy' : 'loss');
    const schedule = opts.schedule
      ? learningRateScheduleCallback(opts.schedule, model.optimizer as unknown as LearningRateOwner, opts.schedulePer ?? 'batch')
      : null;
    const userOnEpochEnd = opts.onEpochEnd;
    const best = new EarlyStoppingCallback({ monitor, rule: opts.earlyStopping, model, onBestEpoch: (epoch) => (this.bestEpoch = epoch) });
    const callbacks: TrainingCallback[] = [
      ...(schedule ? [schedule] : []),
      // The option's return value was never read, so the adapter drops it rather than let it stop training.
      ...(userOnEpochEnd ? [{ onEpochEnd: async (_epoch: number, logs: EpochRecord) => void (await userOnEpochEnd(logs)) }] : []),
      ...(opts.callbacks ?? []),
      ...(opts.trial ? [pruningCallback(opts.trial, monitor)] : []),
      best,
    ];
    try {
      await train(
        {
          trainEpoch: seededEpochs(tf, model, {
            x: xTrain,
            y: yTrain,
            batchSize: p.batchSize,
            seed: p.seed,
            yieldEvery: opts.yieldEvery ?? 'never',
          }),
          learningRate: () => (schedule ? schedule.lastLr : p.learningRate),
          validate: () => {
            if (!xVal || !valTargets) return null;
            const scores = this.evaluate(tf, xVal, valTargets);
            return { valLoss: scores.loss, valAccuracy: scores.accuracy };
          },
        },
        { epochs: p.epochs, callbacks, history: this.history },
      );
    } finally {
      best.dispose();
      xVal?.dispose();
    }
    return this;
  }

  private evaluate(tf: Tf, xVal: TfTypes.Tensor, targets: ReadonlyArray<unknown>): { loss: number; accuracy?: number } {
    const yVal = this.tensorOf(tf, this.yHost(targets, 'validation targets'));
    try {
      return tf.tidy(() => {
        const pred = (this.model as TfTypes.LayersModel).predict(xVal) as TfTypes.Tensor;
        const p = this.params;
        const lossT =
          p.task === 'classification'
            ? tf.metrics.categoricalCrossentropy(yVal, pred).mean()
            : p.task === 'multilabel'
              ? tf.metrics.binaryCrossentropy(yVal, pred).mean()
              : tf.losses.meanSquaredError(yVal, pred);
        const loss = lossT.dataSync()[0];
        if (p.task !== 'classification') return { loss };
        const acc = tf.metrics.categoricalAccuracy(yVal, pred).mean().dataSync()[0];
        return { loss, accuracy: acc };
      });
    } finally {
      yVal.dispose();
    }
  }

  private requireModel(where: string): TfTypes.LayersModel {
    if (!this.model) throw new InvalidArgumentError(`${this.constructor.name}.${where}: call fit(X, y) first.`);
    return this.model;
  }

  /** Raw network outputs per sample (class probabilities, values, or per-step outputs), flattened per sample. */
  predictRaw(X: ReadonlyArray<unknown>): number[][] {
    const model = this.requireModel('predictRaw');
    const xt = this.xTensorSync(X);
    try {
      const out = model.predict(xt) as TfTypes.Tensor;
      const data = out.dataSync();
      const per = data.length / X.length;
      out.dispose();
      return Array.from({ length: X.length }, (_, i) => Array.from(data.subarray(i * per, (i + 1) * per)));
    } finally {
      xt.dispose();
    }
  }

  private xTensorSync(X: ReadonlyArray<unknown>): TfTypes.Tensor {
    const model = this.requireModel('predict');
    const len = this.rowLength(X);
    const shape = model.inputs[0].shape.slice(1) as number[];
    // Build the tensor with the same tfjs instance the model lives in.
    const tfi = tfInstance();
    return tfi.tensor(flatten(X, len, `${this.constructor.name}.predict`), [X.length, ...shape]);
  }

  /** Class indices (classification) or values (regression; per-output rows flattened for multi-output). */
  predict(X: ReadonlyArray<unknown>): number[] {
    if (this.params.task === 'classification' && this.perStepOutput()) {
      throw new InvalidArgumentError(
        `${this.constructor.name}.predict: a per-step classifier gives one class per step; use predictSteps(X).`,
      );
    }
    const raw = this.predictRaw(X);
    if (this.params.task === 'classification') return raw.map((r) => r.indexOf(Math.max(...r)));
    if (this.params.task === 'regression' && this.nOutputs === 1 && !this.perStepOutput()) return raw.map((r) => r[0]);
    throw new InvalidArgumentError(
      `${this.constructor.name}.predict: multi-output models return several numbers per sample; use predictRaw(X).`,
    );
  }

  /** Per-step classifier (classification with sequenceOutput): the most probable class at each step of each sample. */
  predictSteps(X: ReadonlyArray<unknown>): number[][] {
    if (!(this.params.task === 'classification' && this.perStepOutput())) {
      throw new InvalidArgumentError(
        `${this.constructor.name}.predictSteps: only for task 'classification' with sequenceOutput: true; use predict(X).`,
      );
    }
    const k = this.nOutputs;
    return this.predictRaw(X).map((r) =>
      Array.from({ length: r.length / k }, (_, t) => {
        let best = 0;
        for (let c = 1; c < k; c++) if (r[t * k + c] > r[t * k + best]) best = c;
        return best;
      }),
    );
  }

  /** Accuracy (classification; per step for a per-step classifier), R^2 (regression), or minus the mean binary cross-entropy (multilabel). */
  score(X: ReadonlyArray<unknown>, y: ReadonlyArray<unknown>): number {
    if (this.params.task === 'classification' && this.perStepOutput()) {
      return accuracy((y as ReadonlyArray<ReadonlyArray<number>>).flat(), this.predictSteps(X).flat());
    }
    if (this.params.task === 'classification') return accuracy(y as number[], this.predict(X));
    if (this.params.task === 'regression' && this.nOutputs === 1 && !this.perStepOutput()) return r2(y as number[], this.predict(X));
    const raw = this.predictRaw(X);
    let sum = 0;
    let n = 0;
    raw.forEach((r, i) => {
      const t = flatten([y[i]], r.length, 'score');
      r.forEach((p, j) => {
        const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
        sum += t[j] * Math.log(q) + (1 - t[j]) * Math.log(1 - q);
        n++;
      });
    });
    return sum / n;
  }

  /** Weights as plain arrays (to compare runs or save). */
  getWeights(): number[][] {
    return this.requireModel('getWeights')
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
  }

  /** Free the tfjs memory held by the model. */
  dispose(): void {
    this.disposeModel();
  }

  private disposeModel(): void {
    if (this.model) {
      this.model.optimizer?.dispose();
      this.model.dispose();
      this.model = null;
    }
  }
}

function tfInstance(): Tf {
  // The module loadTf() chose (tfjs-node re-exports tfjs); fit() always ran loadTf before this.
  const tf = loadedTf();
  if (!tf) throw new InvalidArgumentError('TensorFlow.js is not loaded yet: call fit first.');
  return tf;
}

/**
 * A multilayer perceptron: hiddenLayers dense layers of hiddenUnits, each followed by dropout. With
 * `parameterization: 'mup', baseWidth` it follows muP (see ./mup.ts), so a learning rate tuned on a
 * narrow network transfers to a wide one: `mlp({ hiddenUnits: 1024, parameterization: 'mup', baseWidth: 64 })`.
 */
export class MLP extends NeuralNetwork<MLPParams> {
  constructor(params: ModelOptions<MLPParams> = {}) {
    super(
      {
        ...TRAINING_DEFAULTS,
        hiddenUnits: 64,
        hiddenLayers: 1,
        parameterization: 'standard',
        baseWidth: undefined,
        readoutZeroInit: false,
        initDistribution: 'uniform',
        initScale: 'glorot',
      },
      params,
    );
  }
  clone<O extends ModelOptions<MLPParams>>(params?: Exactly<O, WithRandomState<MLPParams>>): MLP {
    return new MLP(mergeOptions('MLP.clone', this.params, params));
  }
  protected validate(p: MLPParams): void {
    requireInt('MLP', 'hiddenUnits', p.hiddenUnits, 1);
    requireInt('MLP', 'hiddenLayers', p.hiddenLayers, 0);
    if (p.parameterization !== 'standard' && p.parameterization !== 'mup') {
      throw new InvalidArgumentError(`MLP: parameterization must be 'standard' or 'mup', got ${String(p.parameterization)}.`);
    }
    if (p.baseWidth !== undefined) requireInt('MLP', 'baseWidth', p.baseWidth, 1);
    if (p.parameterization === 'mup' && p.baseWidth === undefined) {
      throw new InvalidArgumentError(
        "MLP: parameterization 'mup' needs baseWidth (the width at which muP equals the standard parametrization, e.g. the width you tune at).",
      );
    }
    if (p.initDistribution !== 'uniform' && p.initDistribution !== 'normal') {
      throw new InvalidArgumentError(`MLP: initDistribution must be 'uniform' or 'normal', got ${String(p.initDistribution)}.`);
    }
    if (p.initScale !== 'glorot' && !(typeof p.initScale === 'number' && p.initScale > 0 && Number.isFinite(p.initScale))) {
      throw new InvalidArgumentError(
        `MLP: initScale must be 'glorot' or a positive number (the multiplier of 1/sqrt(fanIn)), got ${String(p.initScale)}.`,
      );
    }
  }
  /** @internal */
  protected layerScaling(inputDim: number, outputs: number): LayerScaling[] | null {
    const p = this.params;
    if (p.parameterization === 'standard') return null;
    return widthScaling({
      parameterization: p.parameterization,
      inputDim,
      width: p.hiddenUnits,
      baseWidth: p.baseWidth,
      hiddenLayers: p.hiddenLayers,
      outputs,
      optimizer: p.optimizer,
    });
  }
  protected zeroReadout(): boolean {
    return this.params.readoutZeroInit;
  }
  /**
   * @internal Hidden layer i's kernel initialiser: the seeded draw of initDistribution times the
   * initScale factor; under muP, 'glorot' takes muP's variance factor for the layer (see initScale).
   */
  private hiddenInitializer(ctx: BuildContext, layer: number, fanIn: number, fanOut: number): TfInitializer {
    const p = this.params;
    const varianceScale = ctx.scaling?.[layer].initVarianceScale ?? 1;
    // The default (uniform, glorot) keeps the shared seeded Glorot-uniform, so earlier seeded runs (standard and muP) stay identical.
    if (p.initDistribution === 'uniform' && p.initScale === 'glorot') return ctx.init(varianceScale);
    const factor = p.initScale === 'glorot' ? Math.sqrt((6 * varianceScale) / (fanIn + fanOut)) : p.initScale / Math.sqrt(fanIn);
    const seed = ctx.rng.int(0, 0x7fffffff);
    return p.initDistribution === 'uniform'
      ? ctx.tf.initializers.randomUniform({ minval: -factor, maxval: factor, seed })
      : ctx.tf.initializers.randomNormal({ mean: 0, stddev: factor, seed });
  }
  protected inputShape(rowLength: number): number[] {
    return [rowLength];
  }
  /** @internal */
  protected hidden(ctx: BuildContext, input: TfTypes.SymbolicTensor): TfTypes.SymbolicTensor {
    let x = input;
    const p = this.params;
    for (let i = 0; i < p.hiddenLayers; i++) {
      const fanIn = x.shape[x.shape.length - 1] as number;
      x = ctx.tf.layers
        .dense({
          units: p.hiddenUnits,
          activation: p.activation,
          kernelInitializer: this.hiddenInitializer(ctx, i, fanIn, p.hiddenUnits),
          kernelRegularizer: ctx.regularizer(),
        })
        .apply(x) as TfTypes.SymbolicTensor;
      if (p.dropout > 0) x = ctx.layers.dropout(p.dropout, ctx.rng.int(0, 0x7fffffff)).apply(x) as TfTypes.SymbolicTensor;
    }
    return x;
  }
}

/** A convolutional network: one conv (+ pooling) block per entry of `filters`, then a dense layer. */
export class CNN extends NeuralNetwork<CNNParams> {
  constructor(params: ModelOptions<CNNParams> & { inputShape: [number, number, number] }) {
    super(
      {
        ...TRAINING_DEFAULTS,
        inputShape: params.inputShape,
        filters: [16, 32],
        kernelSize: 3,
        strides: 1,
        padding: 'same',
        pooling: 'max',
        poolSize: 2,
        denseUnits: 64,
      },
      params,
    );
  }
  clone<O extends ModelOptions<CNNParams>>(params?: Exactly<O, WithRandomState<CNNParams>>): CNN {
    return new CNN(mergeOptions('CNN.clone', this.params, params));
  }
  protected validate(p: CNNParams): void {
    if (!Array.isArray(p.inputShape) || p.inputShape.length !== 3)
      throw new InvalidArgumentError(`CNN: inputShape must be [height, width, channels], got ${JSON.stringify(p.inputShape)}.`);
    if (!Array.isArray(p.filters)) throw new InvalidArgumentError('CNN: filters must be an array (filters per conv block).');
    for (const f of p.filters) requireInt('CNN', 'each filters entry', f, 1);
    requireInt('CNN', 'kernelSize', p.kernelSize, 1);
    requireInt('CNN', 'strides', p.strides, 1);
    requireInt('CNN', 'poolSize', p.poolSize, 1);
    requireInt('CNN', 'denseUnits', p.denseUnits, 0);
    if (!['same', 'valid'].includes(p.padding)) throw new InvalidArgumentError(`CNN: padding must be 'same' or 'valid', got ${p.padding}.`);
    if (!['max', 'avg', 'none'].includes(p.pooling))
      throw new InvalidArgumentError(`CNN: pooling must be 'max', 'avg' or 'none', got ${p.pooling}.`);
  }
  protected inputShape(rowLength: number): number[] {
    const [h, w, c] = this.params.inputShape;
    if (h * w * c !== rowLength)
      throw new InvalidArgumentError(`CNN: inputShape ${h}x${w}x${c} needs ${h * w * c} numbers per sample, got ${rowLength}.`);
    return [h, w, c];
  }
  /** @internal */
  protected hidden(ctx: BuildContext, input: TfTypes.SymbolicTensor): TfTypes.SymbolicTensor {
    const { tf } = ctx;
    const p = this.params;
    let x = input;
    for (const filters of p.filters) {
      x = tf.layers
        .conv2d({
          filters,
          kernelSize: p.kernelSize,
          strides: p.strides,
          padding: p.padding,
          activation: p.activation,
          kernelInitializer: ctx.init(),
          kernelRegularizer: ctx.regularizer(),
        })
        .apply(x) as TfTypes.SymbolicTensor;
      const [, h, w] = x.shape as number[];
      if (p.pooling !== 'none' && h >= p.poolSize && w >= p.poolSize) {
        const pool =
          p.pooling === 'max' ? tf.layers.maxPooling2d({ poolSize: p.poolSize }) : tf.layers.averagePooling2d({ poolSize: p.poolSize });
        x = pool.apply(x) as TfTypes.SymbolicTensor;
      }
    }
    x = tf.layers.flatten().apply(x) as TfTypes.SymbolicTensor;
    if (p.dropout > 0) x = ctx.layers.dropout(p.dropout, ctx.rng.int(0, 0x7fffffff)).apply(x) as TfTypes.SymbolicTensor;
    if (p.denseUnits > 0) {
      x = tf.layers
        .dense({ units: p.denseUnits, activation: p.activation, kernelInitializer: ctx.init(), kernelRegularizer: ctx.regularizer() })
        .apply(x) as TfTypes.SymbolicTensor;
    }
    return x;
  }
}

/** Stacked LSTMs (tanh cell, sigmoid gates) with dropout between layers; one output per sequence or per step. */
export class LSTM extends NeuralNetwork<LSTMParams> {
  constructor(params: ModelOptions<LSTMParams> & { inputShape: [number, number] }) {
    super({ ...TRAINING_DEFAULTS, inputShape: params.inputShape, hiddenSize: 32, layers: 1, sequenceOutput: false }, params);
  }
  clone<O extends ModelOptions<LSTMParams>>(params?: Exactly<O, WithRandomState<LSTMParams>>): LSTM {
    return new LSTM(mergeOptions('LSTM.clone', this.params, params));
  }
  protected validate(p: LSTMParams): void {
    if (!Array.isArray(p.inputShape) || p.inputShape.length !== 2)
      throw new InvalidArgumentError(`LSTM: inputShape must be [timeSteps, features], got ${JSON.stringify(p.inputShape)}.`);
    requireInt('LSTM', 'hiddenSize', p.hiddenSize, 1);
    requireInt('LSTM', 'layers', p.layers, 1);
  }
  protected perStepOutput(): boolean {
    return this.params.sequenceOutput;
  }
  protected inputShape(rowLength: number): number[] {
    const [t, f] = this.params.inputShape;
    if (t * f !== rowLength)
      throw new InvalidArgumentError(`LSTM: inputShape [${t}, ${f}] needs ${t * f} numbers per sequence, got ${rowLength}.`);
    return [t, f];
  }
  /** @internal */
  protected hidden(ctx: BuildContext, input: TfTypes.SymbolicTensor): TfTypes.SymbolicTensor {
    const { tf } = ctx;
    const p = this.params;
    let x = input;
    for (let i = 0; i < p.layers; i++) {
      const last = i === p.layers - 1;
      x = tf.layers
        .lstm({
          units: p.hiddenSize,
          // tfjs-layers defaults to Keras 1's hard sigmoid for the gates; the standard LSTM (and
          // PyTorch's, and Greff et al.'s) uses the logistic sigmoid, which also trains faster here.
          recurrentActivation: 'sigmoid',
          returnSequences: !last || p.sequenceOutput,
          kernelInitializer: ctx.init(),
          recurrentInitializer: tf.initializers.orthogonal({ seed: ctx.rng.int(0, 0x7fffffff), gain: 1 }),
          kernelRegularizer: ctx.regularizer(),
        })
        .apply(x) as TfTypes.SymbolicTensor;
      if (p.dropout > 0) x = ctx.layers.dropout(p.dropout, ctx.rng.int(0, 0x7fffffff)).apply(x) as TfTypes.SymbolicTensor;
    }
    return x;
  }
}

/**
 * Builders in Keras-Tuner style: `mlp({ hiddenUnits: trial.suggestInt('units', 16, 256) })`. They
 * are generic so that an unknown key is a compile error even in an object that is not a fresh
 * literal (say, the output of a search space: `mlp(s.suggest(trial))`).
 */
export function mlp<O extends ModelOptions<MLPParams> = ModelOptions<MLPParams>>(params?: Exactly<O, WithRandomState<MLPParams>>): MLP {
  return new MLP(params);
}
export function cnn<O extends ModelOptions<CNNParams> & { inputShape: [number, number, number] }>(
  params: Exactly<O, WithRandomState<CNNParams>>,
): CNN {
  return new CNN(params);
}
export function lstm<O extends ModelOptions<LSTMParams> & { inputShape: [number, number] }>(
  params: Exactly<O, WithRandomState<LSTMParams>>,
): LSTM {
  return new LSTM(params);
}
