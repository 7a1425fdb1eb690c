// crossValidate, the CV searches and nestedCV take a `signal` as optimize does: once it aborts, the
// fold being fitted finishes, no other fit starts (nor a refit), and they throw OptimizeInterruptedError
// naming the function, what it finished and the signal's reason. What finished stays with the
// callbacks (onFold, onCandidate) and, for tuneCV, in the study. Counted fits show where each stopped.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  createStudy,
  crossValidate,
  gridSearchCV,
  halvingGridSearchCV,
  InvalidArgumentError,
  KFold,
  nestedCV,
  randomizedSearchCV,
  RandomSampler,
  TrialState,
  tuneCV,
} from '../../src';
import type { CandidateResult } from '../../src/entries/cv';
import type { Estimator, Matrix, Vector } from '../../src/models/estimator';
import { setOptimizeInterruptSource } from '../../src/optimizeSignal';
import { rejection as interrupted } from '../helpers/interrupted';

type P = { c: number };

/**
 * Predicts the constant `c`. Every fit (its clones' too) is logged in `fits` and yields to the event
 * loop once, as a real fit would; `beforeFit(n)` runs as the n-th fit (from 0) starts.
 */
class Constant implements Estimator<P> {
  readonly estimatorType = 'regressor';
  constructor(
    private readonly params: P,
    readonly fits: P[],
    private readonly beforeFit?: (n: number) => void,
  ) {}
  getParams(): P {
    return { ...this.params };
  }
  clone(params?: Partial<P>): Constant {
    return new Constant({ ...this.params, ...params }, this.fits, this.beforeFit);
  }
  async fit(): Promise<this> {
    this.beforeFit?.(this.fits.length);
    this.fits.push(this.getParams());
    await new Promise((r) => setImmediate(r));
    return this;
  }
  predict(X: Matrix): number[] {
    return X.map(() => this.params.c);
  }
  score(): number {
    return 0;
  }
}

const X: Matrix = Array.from({ length: 40 }, (_, i) => [i]);
const y: Vector = X.map(([v]) => v % 7);
// Higher is better: c = 3 is the best constant.
const scoring = (_: Vector, pred: Vector) => -Math.abs(pred[0] - 3);
const cv = new KFold({ nSplits: 4 });

describe('crossValidate({ signal })', () => {
  it('stops between folds: the fold fitted finishes, no other starts; the reason is the cause', async () => {
    const fits: P[] = [];
    const controller = new AbortController();
    const reason = new Error('enough folds');
    const seen: number[] = [];
    const err = await interrupted(
      crossValidate(new Constant({ c: 1 }, fits), X, y, {
        cv,
        scoring,
        signal: controller.signal,
        onFold: (fold, score) => {
          seen.push(score);
          if (fold === 1) controller.abort(reason);
        },
      }),
    );
    assert.equal(fits.length, 2, 'no fit after the abort');
    assert.deepEqual(seen, [-2, -2], 'the finished folds reached onFold');
    assert.equal(err.trialsFinished, 2);
    assert.equal(err.studyName, 'crossValidate');
    assert.equal(err.cause, reason);
    assert.equal(
      err.message,
      'crossValidate was interrupted after 2 of 4 fold(s) finished; their scores went to onFold. Call crossValidate again to run it to the end. ' +
        'Abort reason: Error: enough folds',
    );
  });

  it('an already-aborted signal fits nothing; a signal that never aborts changes nothing', async () => {
    const fits: P[] = [];
    const err = await interrupted(
      crossValidate(new Constant({ c: 1 }, fits), X, y, { cv, scoring, signal: AbortSignal.abort('cancelled') }),
    );
    assert.equal(fits.length, 0);
    assert.equal(err.trialsFinished, 0);
    assert.equal(err.cause, 'cancelled');
    const result = await crossValidate(new Constant({ c: 2 }, fits), X, y, { cv, scoring, signal: new AbortController().signal });
    assert.deepEqual(result.testScore, [-1, -1, -1, -1]);
  });

  it('refuses a signal that is not an AbortSignal, naming the function', async () => {
    for (const run of [
      () => crossValidate(new Constant({ c: 1 }, []), X, y, { cv, signal: 'stop' as unknown as AbortSignal }),
      () => gridSearchCV(new Constant({ c: 1 }, []), { c: [1, 2] }, X, y, { cv, signal: {} as AbortSignal }),
      () =>
        tuneCV(new Constant({ c: 1 }, []), (t) => ({ c: t.suggestInt('c', 0, 5) }), X, y, { cv, signal: null as unknown as AbortSignal }),
    ]) {
      await assert.rejects(
        run(),
        (e: Error) =>
          e instanceof InvalidArgumentError && /^(crossValidate|gridSearchCV|tuneCV): signal must be an AbortSignal/.test(e.message),
      );
    }
  });
});

describe('the searches ({ signal })', () => {
  it('gridSearchCV: an abort in onCandidate ends the search there; the rows reported are all it evaluated', async () => {
    const fits: P[] = [];
    const controller = new AbortController();
    const rows: CandidateResult[] = [];
    const err = await interrupted(
      gridSearchCV(new Constant({ c: 0 }, fits), { c: [0, 1, 2, 3, 4, 5] }, X, y, {
        cv,
        scoring,
        signal: controller.signal,
        onCandidate: (row, i) => {
          rows.push(row);
          if (i === 1) controller.abort(new Error('two are enough'));
        },
      }),
    );
    assert.deepEqual(
      rows.map((r) => r.params),
      [{ c: 0 }, { c: 1 }],
    );
    assert.equal(fits.length, 2 * 4, 'the two candidates, four folds each; nothing after');
    assert.equal(err.trialsFinished, 2);
    assert.match(
      err.message,
      /^gridSearchCV was interrupted after 2 of 6 candidate\(s\) finished; their rows went to onCandidate\..* Abort reason: Error: two are enough$/,
    );
  });

  it('gridSearchCV: an abort between the folds of a candidate drops that candidate (no row) and fits no further fold', async () => {
    const fits: P[] = [];
    const controller = new AbortController();
    const rows: CandidateResult[] = [];
    // Fit 5 (from 0) is the second fold of the second candidate: the abort comes while it is being fitted.
    const model = new Constant({ c: 0 }, fits, (n) => (n === 5 ? controller.abort('mid-candidate') : undefined));
    const err = await interrupted(
      gridSearchCV(model, { c: [0, 1, 2] }, X, y, { cv, scoring, signal: controller.signal, onCandidate: (r) => rows.push(r) }),
    );
    assert.equal(fits.length, 6, 'the fold being fitted finished; no other started');
    assert.equal(rows.length, 1, 'only the candidate that finished was reported');
    assert.equal(err.trialsFinished, 1);
    assert.equal(err.cause, 'mid-candidate');
  });

  it('an abort after the last candidate skips the refit', async () => {
    const fits: P[] = [];
    const controller = new AbortController();
    const err = await interrupted(
      randomizedSearchCV(new Constant({ c: 0 }, fits), { c: [1, 2, 3] }, X, y, {
        cv,
        scoring,
        nIter: 3,
        seed: 0,
        signal: controller.signal,
        onCandidate: (_, i) => (i === 2 ? controller.abort('before the refit') : undefined),
      }),
    );
    assert.equal(fits.length, 3 * 4, 'no refit on all the data');
    assert.equal(err.trialsFinished, 3);
    assert.match(err.message, /^randomizedSearchCV was interrupted after 3 of 3 candidate\(s\) finished/);
    // Without an abort the same search refits once.
    const again: P[] = [];
    const found = await randomizedSearchCV(new Constant({ c: 0 }, again), { c: [1, 2, 3] }, X, y, {
      cv,
      scoring,
      nIter: 3,
      seed: 0,
      signal: new AbortController().signal,
    });
    assert.equal(again.length, 3 * 4 + 1);
    assert.ok(found.bestEstimator);
  });

  it('halvingGridSearchCV counts candidate evaluations over its iterations', async () => {
    const fits: P[] = [];
    const controller = new AbortController();
    const rows: CandidateResult[] = [];
    const err = await interrupted(
      halvingGridSearchCV(new Constant({ c: 0 }, fits), { c: [0, 1, 2, 3, 4, 5, 6, 7, 8] }, X, y, {
        cv,
        scoring,
        factor: 3,
        resource: 'nSamples',
        minResources: 8,
        maxResources: 40,
        seed: 0,
        signal: controller.signal,
        onCandidate: (row, i) => {
          rows.push(row);
          if (i === 10) controller.abort('halving stopped');
        },
      }),
    );
    // 9 candidates, then the best 3: the 11th evaluation is the second of the second iteration.
    assert.equal(rows.length, 11);
    assert.equal(fits.length, 11 * 4);
    assert.equal(err.trialsFinished, 11);
    assert.match(
      err.message,
      /^halvingGridSearchCV was interrupted after 11 of 12 candidate evaluation\(s\) finished; their rows went to onCandidate\./,
    );
  });

  it('tuneCV: the signal reaches its study; the trials finished are kept in it', async () => {
    const study = await createStudy({ direction: 'maximize', sampler: new RandomSampler({ seed: 0 }) });
    const controller = new AbortController();
    const fits: P[] = [];
    let reported = 0;
    const err = await interrupted(
      tuneCV(new Constant({ c: 0 }, fits), (t) => ({ c: t.suggestInt('c', 0, 6) }), X, y, {
        cv,
        scoring,
        nTrials: 50,
        existingStudy: study,
        signal: controller.signal,
        onCandidate: () => (++reported === 3 ? controller.abort(new Error('three trials')) : undefined),
      }),
    );
    assert.equal(err.studyName, study.studyName, "optimize's own error");
    assert.equal(err.trialsFinished, 3);
    assert.match(err.message, /Abort reason: Error: three trials$/);
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      ['COMPLETE', 'COMPLETE', 'COMPLETE'],
    );
    assert.equal(fits.length, 3 * 4, 'no refit');
  });

  it('nestedCV: stops between outer folds, and inside an inner search as its own interrupt', async () => {
    const controller = new AbortController();
    const fits: P[] = [];
    const outerRows: number[] = [];
    const err = await interrupted(
      nestedCV(new Constant({ c: 0 }, fits), { kind: 'grid', paramGrid: { c: [1, 3] } }, X, y, {
        outerCv: cv,
        innerCv: new KFold({ nSplits: 2 }),
        scoring,
        signal: controller.signal,
        onFold: (row) => {
          outerRows.push(row.outerFold);
          if (row.outerFold === 1) controller.abort('two outer folds');
        },
      }),
    );
    assert.deepEqual(outerRows, [0, 1]);
    assert.equal(err.studyName, 'nestedCV');
    assert.equal(err.trialsFinished, 2);
    assert.match(err.message, /^nestedCV was interrupted after 2 of 4 outer fold\(s\) finished; their rows went to onFold\./);
    // Per outer fold: 2 candidates x 2 inner folds + the refit.
    assert.equal(fits.length, 2 * 5);

    // An abort inside the second outer fold's inner search: nestedCV's error, one outer fold finished.
    const inner = new AbortController();
    const innerFits: P[] = [];
    // Fit 6 (from 0) is the first inner fit of the second outer fold.
    const model = new Constant({ c: 0 }, innerFits, (n) => (n === 6 ? inner.abort('inside the inner search') : undefined));
    const innerErr = await interrupted(
      nestedCV(model, { kind: 'grid', paramGrid: { c: [1, 3] } }, X, y, {
        outerCv: cv,
        innerCv: new KFold({ nSplits: 2 }),
        scoring,
        signal: inner.signal,
      }),
    );
    assert.equal(innerErr.studyName, 'nestedCV');
    assert.equal(innerErr.trialsFinished, 1);
    assert.equal(innerErr.cause, 'inside the inner search');
    assert.equal(innerFits.length, 7, 'the fit under way finished; no other started');
  });
});

describe("the host's interrupt source (the tunelab kernel's) stops a search too", () => {
  afterEach(() => setOptimizeInterruptSource(undefined));

  it('polled between folds, as optimize polls it between trials', async () => {
    let controller = new AbortController();
    let polls = 0;
    setOptimizeInterruptSource({
      signal: () => controller.signal,
      poll: () => {
        if (++polls !== 3) return;
        const interrupted = controller;
        controller = new AbortController();
        interrupted.abort(new Error('kernel interrupt'));
      },
    });
    const fits: P[] = [];
    const err = await interrupted(gridSearchCV(new Constant({ c: 0 }, fits), { c: [1, 2, 3] }, X, y, { cv, scoring }));
    assert.equal(fits.length, 2, 'stopped at the third fold');
    assert.equal(err.trialsFinished, 0);
    assert.match(
      err.message,
      /^gridSearchCV was interrupted after 0 of 3 candidate\(s\) finished.* Abort reason: Error: kernel interrupt$/,
    );
  });
});
