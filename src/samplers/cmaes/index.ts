export { CmaEsSampler, CMA_GENERATION_KEY, CMA_RESTART_KEY, CMA_STATE_KEY, type CmaEsSamplerOptions } from './sampler';
