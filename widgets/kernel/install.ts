import { setDefaultObserverFactory, type ObserverFactory, type OptimizeObserver } from '../../src/progress';
import { setFigureDisplayHook, type FigureSpec } from '../../src/visualization/figure';
import { reprSymbol, type MimeBundle } from '../../src/display';
import { CONTROL_TARGET } from './protocol';
import {
  setCommTransport,
  getCommTransport,
  noteWidgetFrontend,
  type BinaryBuffer,
  type CommTransport,
  type JsonObject,
} from './transport';
import { widgetRegistry } from './widget';
import { StudyMonitor } from './studyMonitor';
import { Plot } from './plot';
import { optimizationHistoryLive, paretoFrontLive } from './liveHistory';
import { METRIC_NAMES_KEY, validMetricNames } from '../../src/visualization/common';

/**
 * Called by the kernel once at start-up: installs the comm transport and everything the widget
 * library hooks into it: the jupyter.widget.control target (frontends reconnecting ask for every
 * model's state), the live StudyMonitor + optimization history shown by `study.optimize()`, and
 * live Plot widgets for displayed figures.
 */
export function installWidgetSupport(transport: CommTransport): void {
  setCommTransport(transport);
  transport.registerTarget(CONTROL_TARGET, (comm) => {
    // Only a widget manager opens this comm: from now on live views stop refreshing their
    // fallbacks during a cell (the manager renders the widgets themselves).
    noteWidgetFrontend();
    comm.onMsg((data) => {
      if (data.method !== 'request_states') return;
      flushAllWidgets();
      const states: Record<string, JsonObject> = {};
      const bufferPaths: Record<string, (string | number)[][]> = {};
      const buffers: BinaryBuffer[] = [];
      for (const w of widgetRegistry().values()) {
        if (!w.isLive) continue;
        const s = w.serializedModel();
        states[w.modelId] = s.model as unknown as JsonObject;
        // update_states numbers buffers across the whole message: paths are [model_id, ...path].
        s.bufferPaths.forEach((p, i) => {
          (bufferPaths[w.modelId] ??= []).push(p);
          buffers.push(s.buffers[i]);
        });
      }
      comm.send({ method: 'update_states', states, buffer_paths: bufferPaths }, undefined, buffers);
    });
  });
  setDefaultObserverFactory(liveOptimizeObserverFactory);
  setFigureDisplayHook(figureAsLivePlot);
}

/** Send every widget's pending changes now (the kernel may call this when a cell finishes). */
export function flushAllWidgets(): void {
  const widgets = [...widgetRegistry().values()];
  for (const w of widgets) w.flush();
  // Then the static fallbacks of displayed widgets, so the notebook saved after this cell holds
  // snapshots of the final state. (A widget from an older loaded copy of tunelab may lack it.)
  for (const w of widgets) (w as Partial<Pick<typeof w, 'flushFallback'>>).flushFallback?.();
}

/** A displayed Figure becomes a Plot widget, which later code could update in place. */
function figureAsLivePlot(fig: FigureSpec): MimeBundle | undefined {
  if (!getCommTransport()) return undefined;
  return new Plot(fig)[reprSymbol]();
}

/**
 * What `study.optimize()` shows in the kernel: a StudyMonitor and a live plot: the optimization
 * history for one objective, the Pareto front for two. Both are displayed with a display_id and their fallback snapshots are
 * refreshed at the end, so frontends without widget support show the final state too.
 */
export const liveOptimizeObserverFactory: ObserverFactory = (study, info) => {
  const transport = getCommTransport();
  if (!transport) return undefined;
  const monitor = new StudyMonitor(study, { nTrials: info.nTrials, timeoutSeconds: info.timeoutSeconds });
  const history = study.directions.length === 1 ? optimizationHistoryLive(study) : null;
  const pareto = study.directions.length === 2 ? paretoFrontLive(study) : null;
  if (pareto) {
    // The axis titles come from the study's snapshot of its system attributes; metric names stored
    // since that snapshot (or by another process) are read from storage itself, without holding up
    // the study.
    study.storage
      .getStudySystemAttrs(study.studyId)
      .then((attrs) => {
        const names = validMetricNames(Object.hasOwn(attrs, METRIC_NAMES_KEY) ? attrs[METRIC_NAMES_KEY] : undefined, 2);
        if (names) pareto.setNames(names);
      })
      .catch(() => undefined); // the titles stay 'Objective 0/1'; the study is unaffected
  }
  const shown = [monitor, history?.plot, pareto?.plot].filter((w): w is StudyMonitor | Plot => w !== undefined);
  // Live views change with every trial: their fallbacks are refreshed at the end (and at cell end),
  // not every second, so a frontend showing them live does not rebuild them while they grow.
  for (const w of shown) w.display({ liveFallback: false });
  const observer: OptimizeObserver = {
    onTrialFinished(_study, trial) {
      monitor.trialFinished(trial);
      history?.add(trial);
      pareto?.add(trial);
    },
    onEnd(_study, end) {
      history?.plot.syncFigure();
      history?.plot.flush();
      pareto?.finish();
      pareto?.plot.flush();
      monitor.finish(end);
      for (const w of shown) w.flushFallback();
    },
  };
  return observer;
};
