import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pbt, plotPbtSchedule, tfjsMember, type Hyperparameters, type PbtMember } from '../../src/pbt';

/**
 * A toy learner whose best learning rate decays with progress: a step with learning rate lr gains
 * max(0, 1 - (log10 lr - log10 lr*(s))^2) skill, with lr*(s) = 1 / (1 + s). A fixed learning rate is
 * only right for a while; the optimum schedule decays, and PBT should discover that.
 */
class Toy implements PbtMember<{ s: number }> {
  s = 0;
  copies: Array<{ s: number }> = [];
  train(steps: number, hp: Hyperparameters): void {
    for (let k = 0; k < steps; k++) {
      const opt = 1 / (1 + this.s);
      this.s += Math.max(0, 1 - (Math.log10(hp.lr as number) - Math.log10(opt)) ** 2);
    }
  }
  evaluate(): number {
    return this.s;
  }
  getWeights() {
    return { s: this.s };
  }
  setWeights(w: { s: number }) {
    this.copies.push(w);
    this.s = w.s;
  }
}

const specs = { lr: { type: 'float' as const, low: 1e-3, high: 1, log: true } };

describe('population-based training', () => {
  it('exploit copies weights and hyperparameters of top members into the bottom 20%, explore perturbs by 0.8/1.2', async () => {
    const members: Toy[] = [];
    const result = await pbt({
      createMember: () => {
        const m = new Toy();
        members.push(m);
        return m;
      },
      hyperparameters: specs,
      populationSize: 10,
      rounds: 6,
      stepsPerRound: 2,
      seed: 3,
      resampleProbability: 0,
    });
    assert.equal(result.records.length, 10);
    for (let r = 0; r < 5; r++) {
      const round = result.records.map((recs) => recs[r]);
      const sorted = [...round].sort((a, b) => b.score - a.score);
      const copied = round.filter((rec) => rec.copiedFrom !== null);
      assert.equal(copied.length, 2, `round ${r}: bottom 20% of 10 members exploit`);
      const topScore = sorted[1].score;
      const bottomScore = sorted[7].score;
      for (const rec of copied) {
        assert.ok(rec.score <= bottomScore, `round ${r}: member ${rec.member} is in the bottom 20%`);
        const donor = round[rec.copiedFrom!];
        assert.ok(donor.score >= topScore, `round ${r}: donor ${donor.member} is in the top 20%`);
        const next = result.records[rec.member][r + 1].hyperparameters.lr as number;
        const ratio = next / (donor.hyperparameters.lr as number);
        const clipped = next === 1 || next === 1e-3;
        assert.ok(clipped || Math.abs(ratio - 0.8) < 1e-9 || Math.abs(ratio - 1.2) < 1e-9, `explore ratio ${ratio}`);
      }
    }
    // Weights really moved: every exploit handed the loser the donor's skill at that moment.
    assert.equal(
      members.reduce((a, m) => a + m.copies.length, 0),
      10,
    );
  });

  it('discovers a decaying schedule that beats every fixed learning rate it started from', async () => {
    const result = await pbt({
      createMember: () => new Toy(),
      hyperparameters: specs,
      populationSize: 12,
      rounds: 25,
      stepsPerRound: 1,
      seed: 1,
    });
    // Baseline: the same initial learning rates, kept fixed for all rounds.
    const fixed = result.records.map((recs) => {
      const t = new Toy();
      t.train(25, recs[0].hyperparameters);
      return t.s;
    });
    assert.ok(result.best.score > Math.max(...fixed), `PBT ${result.best.score} vs best fixed ${Math.max(...fixed)}`);
    const sched = result.bestSchedule.map((s) => s.hyperparameters.lr as number);
    assert.equal(sched.length, 25);
    const early = sched.slice(0, 5).reduce((a, b) => a + Math.log10(b), 0) / 5;
    const late = sched.slice(-5).reduce((a, b) => a + Math.log10(b), 0) / 5;
    assert.ok(late < early - 0.3, `learning rate decays along the best lineage: log10 ${early.toFixed(2)} -> ${late.toFixed(2)}`);
    const fig = plotPbtSchedule(result, 'lr');
    assert.equal(fig.data.length, 12 + 2);
    assert.throws(() => plotPbtSchedule(result, 'momentum'), /not a hyperparameter/);
  });

  it('is reproducible with a seed and validates its options', async () => {
    const run = () => pbt({ createMember: () => new Toy(), hyperparameters: specs, populationSize: 6, rounds: 5, seed: 9 });
    assert.deepEqual((await run()).records, (await run()).records);
    await assert.rejects(
      pbt({ createMember: () => new Toy(), hyperparameters: specs, populationSize: 1, rounds: 5 }),
      /populationSize must be an integer >= 2/,
    );
    await assert.rejects(
      pbt({ createMember: () => new Toy(), hyperparameters: { lr: { type: 'float', low: 0, high: 1, log: true } }, rounds: 2 }),
      /needs low > 0/,
    );
  });

  it('trains tfjs models and copies their weights', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const xs = tf.tensor2d(Array.from({ length: 64 }, (_, i) => [i / 32 - 1]));
    const ys = xs.mul(3).add(1);
    let verifiedCopies = 0;
    const result = await pbt({
      createMember: (hp) => {
        const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
        model.compile({ optimizer: tf.train.sgd(hp.learningRate as number), loss: 'meanSquaredError' });
        const member = tfjsMember({ model, x: xs, y: ys, validationX: xs, validationY: ys, batchSize: 16 });
        return {
          ...member,
          setWeights(w: ReturnType<typeof model.getWeights>) {
            member.setWeights(w);
            // The model now holds exactly the donor's snapshot.
            const now = model.getWeights().map((t) => Array.from(t.dataSync()));
            assert.deepEqual(
              now,
              w.map((t) => Array.from(t.dataSync())),
            );
            verifiedCopies++;
          },
        };
      },
      hyperparameters: { learningRate: { type: 'float', low: 1e-4, high: 0.3, log: true } },
      populationSize: 4,
      rounds: 4,
      stepsPerRound: 3,
      direction: 'minimize',
      seed: 2,
    });
    const first = result.records.map((r) => r[0].score);
    assert.ok(result.best.score < Math.max(...first), `best loss ${result.best.score} vs worst initial ${Math.max(...first)}`);
    // The loser of round 0 continued from its donor's weights: its round-1 record shows the copy.
    const exploit = result.records.flat().find((r) => r.copiedFrom !== null && r.round === 0);
    assert.ok(exploit, 'an exploit happened after round 0');
    assert.equal(verifiedCopies, 3, 'one exploit per round but the last (bottom 20% of 4 = 1 member)');
    xs.dispose();
    ys.dispose();
  });
});
