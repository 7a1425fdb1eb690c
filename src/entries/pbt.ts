/**
 * `tunelab/pbt`: population-based training (Jaderberg et al. 2017): the training loop, a member
 * wrapping a tfjs model, and the two plots of a run.
 */
export * from '../pbt';
