/**
 * plotly.js for the views. The dist-min build is a UMD bundle; esbuild wraps it as a CommonJS
 * module. Typed here with the few functions the views call.
 */
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- no type declarations ship with plotly.js-dist-min
import PlotlyModule from 'plotly.js-dist-min';

export type PlotData = Record<string, unknown>[];
export type PlotLayout = Record<string, unknown>;

export interface PlotlyApi {
  newPlot(el: HTMLElement, data: PlotData, layout?: PlotLayout, config?: Record<string, unknown>): Promise<unknown>;
  react(el: HTMLElement, data: PlotData, layout?: PlotLayout, config?: Record<string, unknown>): Promise<unknown>;
  extendTraces(el: HTMLElement, update: Record<string, unknown[][]>, indices: number[]): Promise<unknown>;
  addTraces(el: HTMLElement, traces: Record<string, unknown> | Record<string, unknown>[]): Promise<unknown>;
  restyle(el: HTMLElement, update: Record<string, unknown>, indices?: number[]): Promise<unknown>;
  relayout(el: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
  purge(el: HTMLElement): void;
  // plotly.js returns a promise that settles once the graph is redrawn (its own types say void).
  Plots: { resize(el: HTMLElement): Promise<unknown> | void };
}

export const Plotly = PlotlyModule as PlotlyApi;

export const PLOT_CONFIG = { responsive: true, displaylogo: false };
