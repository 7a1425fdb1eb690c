export { hypervolume } from './hypervolume';
export { nonDominatedSort, crowdingDistance } from './pareto';
export { trialConstraints, constraintViolation, isFeasible, type ConstraintsFunc } from './constraints';
