/**
 * Constants and message shapes of the Jupyter widget protocol 2.1 as tunelab speaks it.
 * (See jupyter-widgets' messages.md: comm target `jupyter.widget`, methods update / echo_update /
 * request_state / custom, and the `jupyter.widget.control` comm answering request_states.)
 */
import type { JsonObject } from './transport';

export const WIDGET_TARGET = 'jupyter.widget';
export const CONTROL_TARGET = 'jupyter.widget.control';
export const PROTOCOL_VERSION = '2.1.0';
export const VIEW_MIME = 'application/vnd.jupyter.widget-view+json';
export const STATE_MIME = 'application/vnd.jupyter.widget-state+json';

/** Model modules and versions the frontends ship (ipywidgets 8). */
export const CONTROLS_MODULE = '@jupyter-widgets/controls';
export const CONTROLS_VERSION = '2.0.0';
export const BASE_MODULE = '@jupyter-widgets/base';
export const BASE_VERSION = '2.0.0';
export const OUTPUT_MODULE = '@jupyter-widgets/output';
export const OUTPUT_VERSION = '1.0.0';

/** tunelab's own views (widgets/src), served by the embed bundle and the JupyterLab extension (declared in widgets/schema.ts). */
export { TUNELAB_MODULE, TUNELAB_MODULE_VERSION } from '../schema';

/** Identity of a model class: who defines the model and which view renders it. */
export interface ModelSpec {
  modelName: string;
  modelModule: string;
  modelModuleVersion: string;
  viewName: string | null;
  viewModule: string | null;
  viewModuleVersion: string;
}

/** Messages the kernel sends on a widget comm. */
export type KernelToFrontend =
  | { method: 'update'; state: JsonObject; buffer_paths: (string | number)[][] }
  | { method: 'echo_update'; state: JsonObject; buffer_paths: (string | number)[][] }
  | { method: 'custom'; content: JsonObject };

/** Messages a frontend sends on a widget comm. */
export type FrontendToKernel =
  | { method: 'update'; state: JsonObject; buffer_paths?: (string | number)[][] }
  | { method: 'request_state' }
  | { method: 'custom'; content: JsonObject };

/** One entry of `update_states` (and of saved notebook widget state). */
export interface SerializedModel {
  model_name: string;
  model_module: string;
  model_module_version: string;
  state: JsonObject;
}

/** A widget reference as the protocol serialises it inside another widget's state. */
export function modelRef(id: string): string {
  return `IPY_MODEL_${id}`;
}
