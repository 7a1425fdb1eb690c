/**
 * Early stopping (Keras's EarlyStopping callback, with the Theano tutorials' growing patience) and
 * the model's best epoch. The same callback keeps `bestEpoch` when early stopping is off, so the
 * model reports the best epoch seen so far even when a run ends by an error (a pruned trial).
 */
import { InvalidArgumentError } from '../../errors';
import { monitoredValue, type EpochDecision, type EpochRecord, type Monitor, type TrainingCallback } from './callback';
import { requireInt } from '../../validate';

export interface EarlyStopping {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the weights of the best epoch when stopping (default true). */
  restoreBestWeights?: boolean;
  /** Never stop before this many epochs (default 0). */
  minEpochs?: number;
  /**
   * Patience that grows with the best epoch (the Theano tutorials' "patience increase", used by
   * Bergstra & Bengio): keep training while the epochs without improvement are at most
   * max(patience, (patienceIncrease - 1) * epochs-to-best), i.e. until the run is patienceIncrease
   * times as long as it took to reach the best epoch. Default: none (a fixed patience).
   */
  patienceIncrease?: number;
}

/** Throws an InvalidArgumentError naming the first bad field of `es` (`where` names the caller). */
export function checkEarlyStopping(where: string, es: EarlyStopping): void {
  requireInt(where, 'earlyStopping.patience', es.patience, 0);
  if (es.minEpochs !== undefined) requireInt(where, 'earlyStopping.minEpochs', es.minEpochs, 0);
  if (es.patienceIncrease !== undefined && !(es.patienceIncrease >= 1))
    throw new InvalidArgumentError(`${where}: earlyStopping.patienceIncrease must be >= 1, got ${es.patienceIncrease}.`);
}

/** A weight tensor as early stopping handles it (tfjs's Tensor is one): copied when best, freed when replaced. */
export interface WeightCopy<W> {
  clone(): W;
  dispose(): void;
}

/** The model early stopping snapshots and restores (tfjs's LayersModel is one). */
export interface WeightsOwner<W extends WeightCopy<W>> {
  getWeights(): W[];
  setWeights(weights: W[]): void;
}

export interface EarlyStoppingCallbackOptions<W extends WeightCopy<W>> {
  monitor: Monitor;
  /** Early stopping's rule; without it the callback only keeps the best epoch. */
  rule?: EarlyStopping;
  model: WeightsOwner<W>;
  /** Told the best epoch every time it changes (the model's `bestEpoch`). */
  onBestEpoch(epoch: number): void;
}

/**
 * Watches the monitored validation metric: remembers the best epoch (and, under a rule with
 * restoreBestWeights, a copy of its weights), asks to stop once the rule's patience has run out,
 * and at the end of training puts the best weights back. Call dispose() after training, however it
 * ended, to free the copied weights.
 */
export class EarlyStoppingCallback<W extends WeightCopy<W>> implements TrainingCallback {
  private readonly higherIsBetter: boolean;
  private best: number;
  private bestEpoch = -1;
  private waited = 0;
  private bestWeights: W[] | null = null;

  constructor(private readonly opts: EarlyStoppingCallbackOptions<W>) {
    this.higherIsBetter = opts.monitor === 'accuracy';
    this.best = this.higherIsBetter ? -Infinity : Infinity;
  }

  onEpochEnd(epoch: number, logs: Readonly<EpochRecord>): EpochDecision {
    const value = monitoredValue(logs, this.opts.monitor);
    if (value === undefined) {
      // Without validation data there is nothing to compare: every epoch is the latest best.
      this.setBestEpoch(epoch);
      return;
    }
    const rule = this.opts.rule;
    const delta = rule?.minDelta ?? 0;
    const improved = this.higherIsBetter ? value > this.best + delta : value < this.best - delta;
    if (improved) {
      this.best = value;
      this.waited = 0;
      this.setBestEpoch(epoch);
      if (rule && (rule.restoreBestWeights ?? true)) {
        this.bestWeights?.forEach((w) => w.dispose());
        this.bestWeights = this.opts.model.getWeights().map((w) => w.clone());
      }
    } else if (rule) {
      this.waited++;
      const grown = rule.patienceIncrease !== undefined ? (rule.patienceIncrease - 1) * (this.bestEpoch + 1) : 0;
      if (this.waited > Math.max(rule.patience, grown) && epoch + 1 >= (rule.minEpochs ?? 0)) return { stopTraining: true };
    }
  }

  onTrainEnd(history: ReadonlyArray<Readonly<EpochRecord>>): void {
    const last = history.length - 1;
    if (this.bestWeights && this.bestEpoch !== last) this.opts.model.setWeights(this.bestWeights);
    // Without a rule the model keeps its last weights, so its best epoch is the last one.
    if (!this.opts.rule) this.setBestEpoch(last);
  }

  /** Free the copy of the best weights. */
  dispose(): void {
    this.bestWeights?.forEach((w) => w.dispose());
    this.bestWeights = null;
  }

  private setBestEpoch(epoch: number): void {
    this.bestEpoch = epoch;
    this.opts.onBestEpoch(epoch);
  }
}
