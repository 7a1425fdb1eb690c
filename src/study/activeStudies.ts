/**
 * The studies inside `optimize` in this process, which an interrupt reaches: Ctrl-C in plain Node, or
 * `stopAllStudies` (the kernel reads the same set to tell whether a cell is tuning).
 */
import { runtime, type InterruptibleStudy } from '../runtime';

// Studies inside optimize(), in the runtime object so a kernel interrupt reaches every loaded copy of tunelab.
const activeStudies = (runtime.activeStudies ??= new Set());

/**
 * Interrupt every running `optimize` in this process (Ctrl-C in plain Node; the kernel aborts its
 * interrupt source's signal instead, see setOptimizeInterruptSource): each stops after
 * its running trials and then throws OptimizeInterruptedError, as Python's KeyboardInterrupt leaves
 * Optuna's optimize.
 */
export function stopAllStudies(): void {
  for (const s of activeStudies) s.interrupt();
}

/** Whether an optimize call of `study` is running in this process. */
export function isActive(study: object): boolean {
  return activeStudies.has(study as InterruptibleStudy);
}

/** Count `study` among the running optimize calls until the returned function is called. */
export function markActive(study: InterruptibleStudy): () => void {
  activeStudies.add(study);
  return () => {
    activeStudies.delete(study);
  };
}
