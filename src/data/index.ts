/**
 * Data sets, exported as the `datasets` namespace: iris(), penguins() (shipped in npm packages),
 * seeded generators rectangles(), convex() (Larochelle et al. 2007, any image size), twoMoons(),
 * addingProblem() and toyChorales() (sequence tasks), and scikit-learn's makeClassification(),
 * makeRegression() and makeBlobs() (its parameters and semantics, tunelab's seeded Rng), and real
 * step-labelled sequences from npm packages: cmudictPhonemes() (grapheme-to-phoneme) and
 * firstNamesNextChar() (next character). No network at run time.
 */
export { iris, penguins, type TabularDataset } from './tabular';
export {
  rectangles,
  convex,
  twoMoons,
  addingProblem,
  toyChorales,
  type AddingProblemOptions,
  type ConvexOptions,
  type RectanglesOptions,
  type ToyChoralesOptions,
  type TwoMoonsOptions,
  type ImageDataset,
  type SequenceDataset,
  type ChoraleDataset,
} from './generators';
export {
  makeClassification,
  makeRegression,
  makeBlobs,
  type MakeClassificationOptions,
  type MakeRegressionOptions,
  type MakeBlobsOptions,
  type ClassificationData,
  type FeatureKind,
  type RegressionData,
  type BlobsData,
  type SeedOptions,
} from './synthetic';
export {
  cmudictPhonemes,
  firstNamesNextChar,
  oneHotSteps,
  stepError,
  NAME_END,
  type CmudictPhonemesOptions,
  type FirstNamesNextCharOptions,
  type StepLabelledDataset,
} from './text';
