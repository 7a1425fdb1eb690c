/**
 * One epoch of tfjs training on data kept on the host, in an order drawn from a seeded Rng: tfjs's
 * own shuffle uses Math.random, so each epoch permutes the rows itself and hands tfjs one epoch
 * (`fitDataset` with epochs: 1) of batches cut from that permutation with typed-array copies, which
 * is also much faster than tf.gather / tf.slice on the wasm backend.
 */
import type * as TfTypes from '@tensorflow/tfjs';
import { Rng } from '../../rng';

/** @internal Names tfjs's types (stripped from the .d.ts, see ../../backend.ts). */
type Tf = typeof TfTypes;

/** Samples (or targets) as one host-side Float32Array plus the shape of one row. */
export interface HostArray {
  data: Float32Array;
  rows: number;
  rowShape: number[];
}

/** Rows `order[start..end)` of a host array, copied into a fresh Float32Array (a batch). */
function batchOf(h: HostArray, order: readonly number[], start: number, end: number): Float32Array {
  const width = h.data.length / h.rows;
  const out = new Float32Array((end - start) * width);
  for (let j = start; j < end; j++) out.set(h.data.subarray(order[j] * width, (order[j] + 1) * width), (j - start) * width);
  return out;
}

export interface SeededEpochsOptions {
  x: HostArray;
  y: HostArray;
  batchSize: number;
  /** The model's seed; the permutations come from the stream `${seed}:shuffle`. */
  seed: number;
  /** tfjs's fit option: how often it yields to the event loop inside an epoch. */
  yieldEvery: 'auto' | 'batch' | 'epoch' | 'never';
}

/** @internal An EpochRunner's trainEpoch for `model`: each call trains one epoch on a fresh seeded permutation and returns its mean loss. */
export function seededEpochs(
  tf: Tf,
  model: TfTypes.LayersModel,
  { x, y, batchSize, seed, yieldEvery }: SeededEpochsOptions,
): (epoch: number, onBatchBegin: ((batch: number) => Promise<void>) | null) => Promise<number> {
  const shuffleRng = new Rng(`${seed}:shuffle`);
  return async (_epoch, onBatchBegin) => {
    const perm = shuffleRng.shuffle(Array.from({ length: x.rows }, (_, i) => i));
    const batches = function* () {
      for (let start = 0; start < perm.length; start += batchSize) {
        const end = Math.min(start + batchSize, perm.length);
        yield {
          xs: tf.tensor(batchOf(x, perm, start, end), [end - start, ...x.rowShape]),
          ys: tf.tensor(batchOf(y, perm, start, end), [end - start, ...y.rowShape]),
        };
      }
    };
    const h = await model.fitDataset(tf.data.generator(batches as unknown as () => Iterator<TfTypes.TensorContainer>), {
      epochs: 1,
      verbose: 0,
      yieldEvery,
      callbacks: onBatchBegin ? [{ onBatchBegin } as TfTypes.CustomCallbackArgs] : undefined,
    });
    return h.history.loss[0] as number;
  };
}
