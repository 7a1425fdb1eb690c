export {
  NSGAIISampler,
  NSGA2_GENERATION_KEY,
  type NSGAIISamplerOptions,
  type ElitePopulationSelectionStrategy,
  type ChildGenerationStrategy,
  type AfterTrialStrategy,
} from './sampler';
export { NSGAIIISampler, type NSGAIIISamplerOptions } from './nsgaiii';
export {
  BLXAlphaCrossover,
  SBXCrossover,
  SPXCrossover,
  UNDXCrossover,
  UniformCrossover,
  VSBXCrossover,
  type BLXAlphaCrossoverOptions,
  type Crossover,
  type CrossoverContext,
  type CrossoverName,
  type BreedingRandom,
  type SBXCrossoverOptions,
  type SPXCrossoverOptions,
  type UNDXCrossoverOptions,
  type UniformCrossoverOptions,
} from './crossovers';
export { PolynomialMutation, type Mutation, type MutationContext, type PolynomialMutationOptions } from './mutations';
