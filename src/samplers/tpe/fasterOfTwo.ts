/**
 * Which of two ways to the same result has been faster, for a choice made over and over while its
 * input slowly changes (TPE's choice among its candidates as a study grows; incrementalJointAbove.ts).
 * Each way is timed on its uses after the first WARM_UP (which compile code and build caches); the
 * faster on average is used, and the other now and then (after PROBE_EVERY uses of the faster,
 * times how many times slower it has been), so that its average follows the input at a cost of
 * about 1 / PROBE_EVERY of the time (while it is at most PROBE_RATIO_CAP times slower). Only the
 * time depends on the pick, never the result.
 *
 * The averages are long (the mean of the first 1 / SMOOTHING times, then an exponential average of
 * about that many) because one way's times are heavy-tailed: with an average over about four
 * times, TPE's walk looked the faster in half the choices of an organic run's sixth thousand
 * trials, where it took 1.0 ms a choice on average against the screen's 0.65.
 */

/** Uses of the faster way between two uses of the other, when they take the same time. */
const PROBE_EVERY = 16;
/** Each way's first uses, not timed; and the uses of each before the faster is chosen. */
const WARM_UP = 2;
const TRIES = 4;
/** How much slower the other way counts as at most, for the probes (it is tried at least every 256 uses). */
const PROBE_RATIO_CAP = 16;
/** The weight of the newest time in each way's running average, once it has that many. */
const SMOOTHING = 1 / 32;

export class FasterOfTwo {
  /** Per way: its uses, and its average time (ms) once timed. */
  private readonly uses = [0, 0];
  private readonly time = [NaN, NaN];
  /** Uses of the faster way since the other was last used. */
  private sinceProbe = 0;

  /** The way to use next: each is tried TRIES times first. */
  pick(): 0 | 1 {
    if (this.uses[0] < TRIES) return 0;
    if (this.uses[1] < TRIES) return 1;
    const faster = this.time[0] <= this.time[1] ? 0 : 1;
    const slower = faster === 0 ? 1 : 0;
    const ratio = Math.min(PROBE_RATIO_CAP, this.time[slower] / Math.max(1e-6, this.time[faster]));
    if (this.sinceProbe >= PROBE_EVERY * ratio) {
      this.sinceProbe = 0;
      return slower;
    }
    this.sinceProbe++;
    return faster;
  }

  /** Way `way` was used, taking `ms`. */
  record(way: 0 | 1, ms: number): void {
    const timed = this.uses[way]++ - WARM_UP + 1;
    if (timed <= 0) return;
    const t = this.time[way];
    this.time[way] = timed === 1 ? ms : t + Math.max(SMOOTHING, 1 / timed) * (ms - t);
  }
}
