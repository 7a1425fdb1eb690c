/**
 * Ctrl-C during `study.optimize` in a plain Node script, as Python's KeyboardInterrupt in Optuna: the
 * first SIGINT interrupts every running optimize (each stops after its running trials, so none is
 * left RUNNING, and throws OptimizeInterruptedError); a second one quits at once, as Node would have.
 *
 * Only when nobody else listens for SIGINT: the tunelab kernel and `tunelab worker` have their own
 * handlers (the kernel interrupts the studies itself), and a script's own handler is left alone.
 */
let installed: { release: () => void; users: number } | null = null;

/** Called by optimize on entry; the returned function on exit. */
export function interruptOnCtrlC(interruptAll: () => void): () => void {
  if (installed) {
    installed.users++;
    return release;
  }
  if (process.listenerCount('SIGINT') > 0) return () => undefined;
  let signals = 0;
  const onSigint = () => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write('\nInterrupted: study.optimize stops after the running trials (Ctrl-C again to quit now).\n');
    interruptAll();
  };
  process.on('SIGINT', onSigint);
  installed = { release: () => process.off('SIGINT', onSigint), users: 1 };
  return release;
}

function release(): void {
  if (!installed) return;
  if (--installed.users > 0) return;
  installed.release();
  installed = null;
}
