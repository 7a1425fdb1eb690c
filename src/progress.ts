import type { FrozenTrial } from './frozenTrial';
import { formatNumber, formatSeconds } from './format';
import { afterStderrLine } from './logging';
import { runtime } from './runtime';
import { bestTrialOrNull } from './study/best';
import type { Study } from './study';

/**
 * How an `optimize` call ended: it ran out of trials or time ('finished'), `study.stop()` ended it
 * ('stopped'), an interrupt ended it ('interrupted', it then throws OptimizeInterruptedError), or an
 * objective error not listed in `catch` ended it ('failed', it then throws that error).
 */
export type OptimizeEnd =
  { kind: 'finished' } | { kind: 'stopped' } | { kind: 'interrupted'; error: Error } | { kind: 'failed'; error: unknown };

/** What `optimize` tells whoever displays its progress. */
export interface OptimizeObserver {
  onTrialFinished(study: Study, trial: FrozenTrial): void;
  /** `end` is always given by tunelab's optimize; optional so observers written before it still fit. */
  onEnd(study: Study, end?: OptimizeEnd): void;
}

export interface OptimizeProgressInfo {
  nTrials?: number;
  timeoutSeconds?: number;
}

/** Creates the progress display for one `optimize` call, or undefined for none. */
export type ObserverFactory = (study: Study, info: OptimizeProgressInfo) => OptimizeObserver | undefined;

/**
 * Replace the default progress display. The Jupyter kernel installs a factory that shows a live
 * StudyMonitor widget; in a plain Node process the terminal progress bar is the default. The factory
 * is kept in the runtime object (src/runtime.ts), so every copy of tunelab a notebook may load sees it.
 */
export function setDefaultObserverFactory(factory: ObserverFactory): void {
  runtime.observerFactory = factory;
}

export function getDefaultObserverFactory(): ObserverFactory {
  return runtime.observerFactory ?? terminalProgressFactory;
}

/** A one-line progress bar on stderr, only when stderr is a TTY. */
export function terminalProgressFactory(study: Study, info: OptimizeProgressInfo): OptimizeObserver | undefined {
  const stream = process.stderr;
  if (!stream.isTTY) return undefined;
  const started = Date.now();
  let done = 0;
  let lastDraw = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return; // at most 10 redraws per second
    lastDraw = now;
    const elapsed = (now - started) / 1000;
    const frac = info.nTrials ? done / info.nTrials : info.timeoutSeconds ? Math.min(1, elapsed / info.timeoutSeconds) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const count = info.nTrials ? `${done}/${info.nTrials}` : `${done} trials, ${elapsed.toFixed(0)}/${info.timeoutSeconds ?? '?'}s`;
    // The study keeps its best trial as trials finish: no pass over the trials per redraw (a log
    // line forces one every trial).
    const bestTrial = study.directions.length === 1 ? bestTrialOrNull(study) : null;
    const best = bestTrial?.values ? ` best ${formatNumber(bestTrial.values[0])}` : '';
    stream.write(`\r[${bar}] ${count} ${formatSeconds(elapsed)}${best}\x1b[K`);
  };
  // A trial's log lines clear the bar's line: the bar is drawn again under them when the trial is
  // counted (optimize logs a trial just before reporting it finished).
  let cleared = false;
  const stopRedrawing = afterStderrLine(() => (cleared = true));
  return {
    onTrialFinished() {
      done++;
      draw(cleared);
      cleared = false;
    },
    onEnd(_study, end) {
      stopRedrawing();
      draw(true);
      stream.write(end && end.kind !== 'finished' ? ` ${end.kind}\n` : '\n');
    },
  };
}
