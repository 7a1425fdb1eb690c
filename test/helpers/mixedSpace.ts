import { categoricalDistribution, floatDistribution, intDistribution, type Distribution } from '../../src';

/**
 * A model's mixed space: a learning rate (log), a layer count, a categorical, a unit count (log
 * integer), a stepped float and a float.
 */
export const MODEL_MIXED_SPACE: readonly Distribution[] = [
  floatDistribution(1e-5, 1e-1, { log: true }),
  intDistribution(1, 8),
  categoricalDistribution(['sgd', 'adam', 'rmsprop']),
  intDistribution(16, 512, { log: true }),
  floatDistribution(-1, 1, { step: 0.25 }),
  floatDistribution(-5, 5),
];
