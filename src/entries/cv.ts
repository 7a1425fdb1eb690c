/**
 * `tunelab/cv`: cross-validation and searches in scikit-learn's vocabulary (sklearn.model_selection):
 * splitters, crossValidate, grid / randomized / halving searches, tuneCV (a study per search),
 * nestedCV, and the types of their options and results. The functions and splitters are also
 * exported from 'tunelab'.
 */
export * from '../cv';
