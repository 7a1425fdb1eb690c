export { CmaEsSampler, CMA_GENERATION_KEY, CMA_RESTART_KEY, CMA_STATE_KEY, CMA_X_KEY, type CmaEsSamplerOptions } from './sampler';
export type { CmaState } from './cma';
export { marginalStd, tailMasses, type MarginCell } from './margin';
