/**
 * How a run that is not a study's optimize obeys a `signal` as optimize does (crossValidate, the CV
 * searches, pbt). It checks between its steps (folds, candidates, rounds): once its signal, or the
 * host's interrupt source (the tunelab kernel's, see optimizeSignal.ts), has aborted, no further step
 * starts and the run throws OptimizeInterruptedError, whose `cause` is the signal's reason. A step
 * under way finishes first, as a running trial does; the finished steps went to the run's callback
 * (onFold, onCandidate, onRound) and stay there.
 */
import { OptimizeInterruptedError } from './errors';
import { checkSignalOption, getOptimizeInterruptSource, type OptimizeInterruptSource } from './optimizeSignal';

/** What a run's steps are and where the finished ones went (the message of its OptimizeInterruptedError). */
export type InterruptedSteps = NonNullable<ConstructorParameters<typeof OptimizeInterruptedError>[3]>;

export class StepInterrupts {
  private readonly host: OptimizeInterruptSource | undefined;
  private readonly signals: readonly AbortSignal[];

  /** `run` is the function's name, as errors name it; validates `signal` (throws InvalidArgumentError). */
  constructor(
    private readonly run: string,
    signal: AbortSignal | undefined,
    private readonly steps: InterruptedSteps,
  ) {
    checkSignalOption(signal, run);
    this.host = getOptimizeInterruptSource();
    // Taken now, as optimize takes them when it starts: the kernel hands out a fresh signal after an interrupt.
    this.signals = [signal, this.host?.signal()].filter((s): s is AbortSignal => s !== undefined);
  }

  /**
   * Call before each step, `finished` being the steps done so far: throws OptimizeInterruptedError
   * if an interrupt has come. Polls the host first, as optimize does after each trial (the kernel
   * reads interrupts from shared memory; a run of synchronous fits gives its event loop no turn).
   */
  check(finished: number): void {
    this.host?.poll?.();
    const aborted = this.signals.find((s) => s.aborted);
    if (aborted) throw new OptimizeInterruptedError(this.run, finished, { reason: aborted.reason }, this.steps);
  }
}
