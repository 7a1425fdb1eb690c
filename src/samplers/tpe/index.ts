export { TPESampler, defaultGamma, defaultWeights, hyperoptDefaultGamma, type TPESamplerOptions } from './sampler';
