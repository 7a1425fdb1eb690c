/**
 * `tunelab/models`: models behind one Estimator interface (SVC, trees, forests, gradient boosting,
 * Pipeline with scalers and PCA, the tfjs networks mlp / cnn / lstm), their parameter types,
 * muP width scaling, the metrics, and the tfjs backend. The models are also exported from 'tunelab'.
 */
export * from '../models';
// The tfjs backend is its own area (the engine's other tfjs users need it too), added here because
// choosing the backend is what a user of the tfjs models does.
export { backendInfo, useBackend, type BackendInfo, type BackendName } from '../backend';
