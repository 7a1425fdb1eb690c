/**
 * `tunelab/multiobjective`: tools for multi-objective and constrained studies: the hypervolume,
 * non-dominated sorting and crowding distance, and a trial's constraints and their feasibility.
 */
export * from '../multiobjective';
