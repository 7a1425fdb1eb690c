/**
 * tunelab's kernel-side widget library (`import ... from 'tunelab/widgets'`): typed models of the
 * standard ipywidgets controls and tunelab's own views, synced with the frontend over widget
 * protocol 2.1 by the tunelab kernel. Outside the kernel they are inert state holders.
 */
export { Widget, widgetRegistry, type Change } from './widget';
export {
  Layout,
  Style,
  ValueWidget,
  IntProgress,
  FloatProgress,
  HTML,
  Label,
  Button,
  Dropdown,
  IntSlider,
  FloatSlider,
  Checkbox,
  VBox,
  HBox,
  Tab,
  Output,
  type OutputItem,
  type BarStyle,
  type CommonOptions,
  type ProgressOptions,
  type SliderOptions,
  type ButtonOptions,
  type DropdownOptions,
} from './controls';
export { Plot, type TracePoints } from './plot';
export { StudyMonitor, type MonitoredStudy, type StudyMonitorOptions, type MonitorStatus } from './studyMonitor';
export { ScheduleView, CVResults, type ScheduleDescriptionInput, type CVFoldRow } from './tunelabWidgets';
export { optimizationHistoryLive, paretoFrontLive } from './liveHistory';
export { installWidgetSupport, flushAllWidgets, liveOptimizeObserverFactory } from './install';
export { getCommTransport, setCommTransport, clearOutput, type CommTransport, type CommHandle } from './transport';
export { Throttle, setThrottleDefaults, DEFAULT_INTERVAL_MS, type Clock } from './throttle';
export * from './protocol';
// The schema shared with the browser views: tunelab's models, their attributes, types and defaults.
export {
  TUNELAB_MODELS,
  MONITOR_STATUSES,
  defaultState,
  modelDefaults,
  modelIdentity,
  attributeMismatch,
  type Attribute,
  type AttributeKind,
  type ModelSchema,
  type ModelIdentity,
  type ModelState,
  type TunelabModelName,
  type CVWireRow,
  type PlotTrace,
} from '../schema';
export { TunelabModel, schemaSpec } from './tunelabModel';
