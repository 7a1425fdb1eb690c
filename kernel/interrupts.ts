/**
 * Interrupting study.optimize. An optimize over a synchronous objective with in-memory storage runs
 * entirely in microtasks, so the kernel's SIGINT handler would only run after all its trials; the
 * check below, run between trials, sees the request in shared memory and stops the studies.
 */
import { getDefaultObserverFactory, setDefaultObserverFactory, type ObserverFactory } from '../src/progress';
import { stopAllStudies } from '../src/study';
import type { InterruptCounter } from './interruptCounter';

/**
 * Wraps the current optimize observer factory (the widget library's live monitor, or the terminal
 * bar) so that each finished trial checks for an interrupt and stops every running study.
 */
export function installOptimizeInterruptCheck(counter: InterruptCounter, onStop: () => void): void {
  const inner = getDefaultObserverFactory();
  const wrapped: ObserverFactory = (study, info) => {
    const observer = inner(study, info);
    return {
      onTrialFinished(s, trial) {
        observer?.onTrialFinished(s, trial);
        if (counter.takeRequest()) {
          stopAllStudies();
          onStop();
        }
      },
      onEnd(s, end) {
        observer?.onEnd(s, end);
      },
    };
  };
  setDefaultObserverFactory(wrapped);
}
