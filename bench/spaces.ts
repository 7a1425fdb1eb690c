/**
 * The spaces of the TPE overhead benchmark (`sampler-overhead.ts`, whose Python worker defines the
 * same objectives for Optuna), as define-by-run objectives; the tests run TPE in some of them too.
 */
import type { Trial } from '../src';
import { branin, hartmann3 } from './functions';

export const OBJECTIVES = {
  branin: (t: Trial) => branin([t.suggestFloat('x', -5, 10), t.suggestFloat('y', 0, 15)]),
  hartmann3: (t: Trial) => hartmann3([0, 1, 2].map((i) => t.suggestFloat(`x${i}`, 0, 1))),
  mixed: (t: Trial) => {
    const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
    const x = t.suggestFloat('x', -5, 5);
    const layers = t.suggestInt('layers', 1, 8);
    const units = t.suggestInt('units', 16, 512, { log: true });
    const optimizer = t.suggestCategorical('optimizer', ['sgd', 'adam', 'rmsprop']);
    return (
      (Math.log10(lr) + 3) ** 2 + x * x + 0.1 * (layers - 3) ** 2 + 0.05 * (Math.log2(units) - 7) ** 2 + (optimizer === 'adam' ? 0 : 0.5)
    );
  },
  // An optimiser and its learning rate: a categorical and one float, modelled jointly.
  optimizerLr: (t: Trial) => {
    const optimizer = t.suggestCategorical('optimizer', ['sgd', 'adam', 'rmsprop']);
    const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
    return (Math.log10(lr) + 3) ** 2 + (optimizer === 'adam' ? 0 : 0.5);
  },
  // Two objectives over a float and two integers (one on a log scale): multi-objective TPE samples
  // each parameter on its own.
  integersTwoObjectives: (t: Trial) => {
    const x = t.suggestFloat('x', 0, 5);
    const layers = t.suggestInt('layers', 1, 64);
    const units = t.suggestInt('units', 16, 1024, { log: true });
    return [4 * x * x + (layers - 20) ** 2 / 100 + Math.log2(units), (x - 5) ** 2 + layers / 10 + (10 - Math.log2(units)) ** 2];
  },
  // Binh and Korn (1997): two objectives, a convex Pareto front.
  binhKorn: (t: Trial) => {
    const x = t.suggestFloat('x', 0, 5);
    const y = t.suggestFloat('y', 0, 3);
    return [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2];
  },
  // DTLZ2 (Deb, Thiele, Laumanns, Zitzler 2002) with three objectives and four variables: most
  // points of a long study lie on its first front, where the good group is chosen by hypervolume.
  dtlz2: (t: Trial) => {
    const x = [0, 1, 2, 3].map((i) => t.suggestFloat(`x${i}`, 0, 1));
    const g = (x[2] - 0.5) ** 2 + (x[3] - 0.5) ** 2;
    const a = (x[0] * Math.PI) / 2;
    const b = (x[1] * Math.PI) / 2;
    return [(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)];
  },
};
