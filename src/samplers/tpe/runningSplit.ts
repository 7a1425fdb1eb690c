/**
 * Constant liar's splits: the finished trials' split with the other running trials added to the
 * bad group, built from one trial to the next without walking the history.
 *
 * The running trials go after the finished ones in `trials` (indices m..m+r-1), so the finished
 * split's indices, `below` and loss vectors stand unchanged; in `above` each goes to its place by
 * trial number, where the weights expect it. Running trials are the newest few, so consecutive
 * bad groups share all their entries up to the first running trial of either: each split says so
 * (`aboveKept`), and the bad group's densities re-read only the entries after that.
 */
import type { FrozenTrial } from '../../frozenTrial';
import type { Split } from './observations';

/** What the next split is compared with: the one last returned. */
interface Returned {
  readonly aboveToken: object | undefined;
  /** The place of its first running trial in its `above` list (its length when none). */
  readonly firstRunning: number;
  /** Whether it had running trials (its token is this class's own rather than a tracker's). */
  readonly hadRunning: boolean;
  /** The finished split it extended: its `aboveToken` and `above` length. */
  readonly finishedToken: object | undefined;
  readonly finishedLength: number;
}

export class RunningSplits {
  private last: Returned | null = null;

  /** Forget the splits returned so far (another study). */
  reset(): void {
    this.last = null;
  }

  /**
   * `finished` with the trials `running` (ascending numbers, none of them in `finished`) joining
   * its bad group. With none running, `finished` itself (told, when the previous split had running
   * trials, how its bad group relates to that one's).
   */
  extend(finished: Split, running: readonly FrozenTrial[]): Split {
    const last = this.last;
    const r = running.length;
    if (r === 0) {
      this.remember(finished, finished.above.length, false);
      if (last === null || !last.hadRunning) return finished;
      const kept = { from: last.aboveToken!, length: Math.min(last.firstRunning, this.finishedPrefix(last, finished)) };
      return { ...finished, aboveKept: [...(finished.aboveKept ?? []), kept] };
    }
    const m = finished.trials.length;
    const trials = finished.trials.concat(running);
    // Each running trial's place among the finished bad trials, by number (bisection: the finished
    // list is chronological).
    const source = finished.above;
    const above = new Int32Array(source.length + r);
    let from = 0;
    let out = 0;
    let firstRunning = -1;
    for (let j = 0; j < r; j++) {
      const at = placeByNumber(finished.trials, source, from, running[j].number);
      above.set(source.subarray(from, at), out);
      out += at - from;
      from = at;
      if (j === 0) firstRunning = out;
      above[out++] = m + j;
    }
    above.set(source.subarray(from), out);
    // A new version of the list each time (it never just grows: the previous one had a running
    // trial that is now elsewhere or gone), whose entries before either one's first running trial
    // are those of the previous one's finished split, as far as this one's shares them.
    const aboveKept =
      last === null || last.aboveToken === undefined
        ? undefined
        : [{ from: last.aboveToken, length: Math.min(last.firstRunning, firstRunning, this.finishedPrefix(last, finished)) }];
    const split: Split = {
      trials,
      below: finished.below,
      above,
      nFinished: finished.nFinished,
      lossVectors: finished.lossVectors.length === 0 ? [] : finished.lossVectors.concat(new Array<null>(r).fill(null)),
      violations: finished.violations && growTo(finished.violations, m + r),
      aboveToken: {},
      aboveKept,
      belowToken: finished.belowToken,
    };
    this.remember(split, firstRunning, true, finished);
    return split;
  }

  private remember(split: Split, firstRunning: number, hadRunning: boolean, finished: Split = split): void {
    this.last = {
      aboveToken: split.aboveToken,
      firstRunning,
      hadRunning,
      finishedToken: finished.aboveToken,
      finishedLength: finished.above.length,
    };
  }

  /** How many leading entries of `finished.above` the finished split behind `last` had too. */
  private finishedPrefix(last: Returned, finished: Split): number {
    const token = last.finishedToken;
    if (token === undefined) return 0;
    if (finished.aboveToken === token) return last.finishedLength;
    return finished.aboveKept?.find((k) => k.from === token)?.length ?? 0;
  }
}

/** The first place at or after `from` in the chronological list `above` whose trial is newer than `number`. */
function placeByNumber(trials: readonly FrozenTrial[], above: Int32Array, from: number, number: number): number {
  let lo = from;
  let hi = above.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (trials[above[mid]].number < number) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function growTo(a: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size);
  out.set(a);
  return out;
}
