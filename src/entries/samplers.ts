/**
 * `tunelab/samplers`: every sampler with its options, TPE's gamma/weights functions and the
 * search-space helpers samplers share (Optuna's `optuna.samplers` and `optuna.search_space`).
 * The samplers themselves are also exported from 'tunelab'.
 */
export type { Sampler } from '../samplers/base';
export { RandomSampler } from '../samplers/random';
export { TPESampler, defaultGamma, defaultWeights, hyperoptDefaultGamma, type TPESamplerOptions } from '../samplers/tpe';
export { GridSampler } from '../samplers/grid';
export { BruteForceSampler, type BruteForceSamplerOptions } from '../samplers/bruteForce';
export { PartialFixedSampler } from '../samplers/partialFixed';
export { QMCSampler, type QMCSamplerOptions } from '../samplers/qmc';
export { GPSampler, type GPSamplerOptions } from '../samplers/gp';
export { CmaEsSampler, type CmaEsSamplerOptions } from '../samplers/cmaes';
export { NSGAIISampler, type NSGAIISamplerOptions } from '../samplers/nsgaii';
export { IntersectionSearchSpace, GroupDecomposedSearchSpace, intersectionSearchSpace, groupDecomposedSearchSpace } from '../samplers/searchSpace';
