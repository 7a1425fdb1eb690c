/**
 * The JupyterLab / Notebook 7 plugin: registers tunelab's views with the widget manager of
 * jupyterlab_widgets (its IJupyterWidgetRegistry comes from @jupyter-widgets/base, shared as a
 * singleton, so these views extend the very DOMWidgetView the notebook's manager uses).
 */
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';
import * as views from './views';

interface LabPlugin {
  id: string;
  description: string;
  requires: unknown[];
  autoStart: boolean;
  activate(app: unknown, registry: { registerWidget(w: { name: string; version: string; exports: unknown }): void }): void;
}

const plugin: LabPlugin = {
  id: 'tunelab-widgets:plugin',
  description: "tunelab's live tuning widgets (StudyMonitor, Plot, ScheduleView, CVResults).",
  requires: [IJupyterWidgetRegistry],
  autoStart: true,
  activate(_app, registry) {
    registry.registerWidget({ name: views.MODULE_NAME, version: views.MODULE_VERSION, exports: views });
  },
};

export default plugin;
export * from './views';
