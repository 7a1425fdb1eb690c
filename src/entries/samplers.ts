/**
 * `tunelab/samplers`: every sampler with its options, TPE's gamma/weights functions and the
 * search-space helpers samplers share (Optuna's `optuna.samplers` and `optuna.search_space`).
 * The samplers themselves are also exported from 'tunelab'.
 */
export * from '../samplers';
