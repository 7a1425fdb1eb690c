export { pbt, type HyperparameterSpec, type Hyperparameters, type PbtMember, type PbtOptions, type PbtRecord, type PbtResult } from './pbt';
export { tfjsMember, type TfjsMemberOptions, type LayersModelLike } from './tfjsMember';
export { plotPbtSchedule, plotPbtScores } from './plot';
