export { GPSampler, type GPSamplerOptions } from './sampler';
export { GaussianProcess, fitGaussianProcess, logMarginalLikelihood, logPrior, type GPData } from './gp';
export { logExpectedImprovement } from './normal';
