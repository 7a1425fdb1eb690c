/**
 * `tunelab/efficiency`: random experiment efficiency curves (Bergstra & Bengio 2012) with the
 * score-weighted mixture for validation ties, and the standard deviation of a measured accuracy.
 */
export * from '../efficiency';
