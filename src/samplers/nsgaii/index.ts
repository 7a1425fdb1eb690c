export { NSGAIISampler, NSGA2_GENERATION_KEY, type NSGAIISamplerOptions } from './sampler';
export { NSGAIIISampler, type NSGAIIISamplerOptions } from './nsgaiii';
