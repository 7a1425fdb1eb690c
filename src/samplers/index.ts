/**
 * The samplers' public face ('tunelab/samplers'): every sampler with its options, TPE's gamma and
 * weights functions, and the search-space helpers samplers share. The samplers' internals (TPE's
 * density estimators, CMA-ES's state, the GP's kernels) are imported from their modules.
 */
export type { Sampler } from './base';
export { RandomSampler } from './random';
export { TPESampler, defaultGamma, defaultWeights, hyperoptDefaultGamma, type TPESamplerOptions } from './tpe';
export { GridSampler } from './grid';
export { BruteForceSampler, type BruteForceSamplerOptions } from './bruteForce';
export { PartialFixedSampler } from './partialFixed';
export { QMCSampler, type QMCSamplerOptions } from './qmc';
export { GPSampler, type GPSamplerOptions } from './gp';
export { CmaEsSampler, type CmaEsSamplerOptions } from './cmaes';
export {
  NSGAIISampler,
  NSGAIIISampler,
  type NSGAIISamplerOptions,
  type NSGAIIISamplerOptions,
  UniformCrossover,
  BLXAlphaCrossover,
  SBXCrossover,
  VSBXCrossover,
  SPXCrossover,
  UNDXCrossover,
  type Crossover,
  type CrossoverContext,
  type CrossoverName,
  type BreedingRandom,
  type UniformCrossoverOptions,
  type BLXAlphaCrossoverOptions,
  type SBXCrossoverOptions,
  type SPXCrossoverOptions,
  type UNDXCrossoverOptions,
  PolynomialMutation,
  type Mutation,
  type MutationContext,
  type PolynomialMutationOptions,
  type ElitePopulationSelectionStrategy,
  type ChildGenerationStrategy,
  type AfterTrialStrategy,
} from './nsgaii';
export { IntersectionSearchSpace, GroupDecomposedSearchSpace, intersectionSearchSpace, groupDecomposedSearchSpace } from './searchSpace';
