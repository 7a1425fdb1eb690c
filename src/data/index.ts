export { iris, penguins, type TabularDataset } from './tabular';
export { rectangles, convex, twoMoons, addingProblem, toyChorales, type ImageDataset, type SequenceDataset, type ChoraleDataset } from './generators';
