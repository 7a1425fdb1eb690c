/**
 * Data sets, exported as the `datasets` namespace: iris(), penguins() (shipped in npm packages) and
 * seeded generators rectangles(), convex() (Larochelle et al. 2007, any image size), twoMoons(),
 * addingProblem() and toyChorales() (sequence tasks), and real step-labelled sequences from npm
 * packages: cmudictPhonemes() (grapheme-to-phoneme) and firstNamesNextChar() (next character).
 * No network at run time.
 */
export { iris, penguins, type TabularDataset } from './tabular';
export { rectangles, convex, twoMoons, addingProblem, toyChorales, type ImageDataset, type SequenceDataset, type ChoraleDataset } from './generators';
export { cmudictPhonemes, firstNamesNextChar, oneHotSteps, stepError, NAME_END, type StepLabelledDataset } from './text';
