export {
  TPESampler,
  defaultGamma,
  defaultGammaMultiObjective,
  defaultWeights,
  hyperoptDefaultGamma,
  type TPESamplerOptions,
} from './sampler';
