export { hypervolume } from './hypervolume';
export { toLoss, dominates, constrainedDominates, nonDominatedSort, crowdingDistance } from './pareto';
export { trialConstraints, constraintViolation, isFeasible, constraintsToRecord, type ConstraintsFunc } from './constraints';
