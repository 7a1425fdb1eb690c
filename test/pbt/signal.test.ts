// pbt({ signal }): once the signal aborts, the round under way finishes, no other starts, every member
// is disposed, and pbt throws OptimizeInterruptedError (as optimize does) naming the rounds finished
// and the signal's reason; the finished rounds' records went to onRound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src';
import { pbt, type Hyperparameters, type PbtMember, type PbtRecord } from '../../src/pbt';
import { rejection as interrupted } from '../helpers/interrupted';

/** A member whose skill grows by its learning rate; counts its training calls and whether it was disposed. */
class Counter implements PbtMember<number> {
  skill = 0;
  trainings = 0;
  disposed = false;
  async train(steps: number, hp: Hyperparameters): Promise<void> {
    this.trainings++;
    this.skill += steps * (hp.lr as number);
    await new Promise((r) => setImmediate(r));
  }
  evaluate(): number {
    return this.skill;
  }
  getWeights(): number {
    return this.skill;
  }
  setWeights(w: number): void {
    this.skill = w;
  }
  dispose(): void {
    this.disposed = true;
  }
}

const hyperparameters = { lr: { type: 'float' as const, low: 0.01, high: 1, log: true } };

describe('pbt({ signal })', () => {
  it('an abort during a round lets it finish, starts no other, disposes every member; the records reached onRound', async () => {
    const members: Counter[] = [];
    const seen: PbtRecord[][] = [];
    const controller = new AbortController();
    const reason = new Error('budget spent');
    const err = await interrupted(
      pbt({
        createMember: () => {
          const m = new Counter();
          // The abort comes while round 2 trains.
          const train = m.train.bind(m);
          m.train = (steps, hp) => {
            if (m.trainings === 2 && members.indexOf(m) === 0) controller.abort(reason);
            return train(steps, hp);
          };
          members.push(m);
          return m;
        },
        hyperparameters,
        populationSize: 4,
        rounds: 10,
        seed: 0,
        signal: controller.signal,
        onRound: (_, records) => void seen.push(records),
      }),
    );
    assert.equal(err.trialsFinished, 3, 'rounds 0, 1 and 2 finished');
    assert.equal(err.studyName, 'pbt');
    assert.equal(err.cause, reason);
    assert.equal(
      err.message,
      'pbt was interrupted after 3 of 10 round(s) finished; their records went to onRound. Call pbt again to run it to the end. Abort reason: Error: budget spent',
    );
    assert.equal(seen.length, 3);
    assert.ok(seen.every((records) => records.length === 4));
    assert.deepEqual(
      members.map((m) => m.trainings),
      [3, 3, 3, 3],
      'no member trained after round 2',
    );
    assert.ok(
      members.every((m) => m.disposed),
      'every member disposed',
    );
  });

  it('an already-aborted signal creates no member; a bad signal is refused naming pbt', async () => {
    let created = 0;
    const err = await interrupted(
      pbt({
        createMember: () => (created++, new Counter()),
        hyperparameters,
        rounds: 3,
        signal: AbortSignal.abort(new Error('cancelled')),
      }),
    );
    assert.equal(created, 0);
    assert.equal(err.trialsFinished, 0);
    await assert.rejects(
      pbt({ createMember: () => new Counter(), hyperparameters, rounds: 3, signal: 'stop' as unknown as AbortSignal }),
      (e: Error) => e instanceof InvalidArgumentError && /^pbt: signal must be an AbortSignal/.test(e.message),
    );
  });
});
