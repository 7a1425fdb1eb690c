/**
 * Which of two ways to the same result has been faster, for a choice made over and over while its
 * input slowly changes (TPE's choice among its candidates as a study grows; incrementalJointAbove.ts).
 * Each way is timed on its uses after the first (the first compiles code and builds caches); the
 * faster one is used, and the other every PROBE_EVERY-th time, so that its time follows the input.
 * Only the time depends on the pick, never the result.
 */

/** Uses between two uses of the way that is not the faster. */
const PROBE_EVERY = 32;
/** The weight of the newest time in each way's running average. */
const SMOOTHING = 0.25;

export class FasterOfTwo {
  /** Per way: its uses, and its running average time (ms) once timed. */
  private readonly uses = [0, 0];
  private readonly time = [NaN, NaN];
  private picks = 0;

  /** The way to use next: each is tried twice first (its first use is not timed). */
  pick(): 0 | 1 {
    this.picks++;
    if (this.uses[0] < 2) return 0;
    if (this.uses[1] < 2) return 1;
    const faster = this.time[0] <= this.time[1] ? 0 : 1;
    return this.picks % PROBE_EVERY === 0 ? (faster === 0 ? 1 : 0) : faster;
  }

  /** Way `way` was used, taking `ms`. */
  record(way: 0 | 1, ms: number): void {
    this.uses[way]++;
    if (this.uses[way] === 1) return;
    const t = this.time[way];
    this.time[way] = Number.isNaN(t) ? ms : t + SMOOTHING * (ms - t);
  }
}
