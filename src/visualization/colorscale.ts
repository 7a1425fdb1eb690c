/**
 * Named colour scales Optuna's plots use that plotly.js does not ship (Python's plotly expands the
 * name into explicit stops), and sampling them the way Python's plotly does, so a point gets the same
 * colour here as in Optuna's figure.
 */

type Rgb = readonly [number, number, number];

/** ColorBrewer's RdYlBu (red to blue), as plotly.colors.diverging.RdYlBu lists it. */
const RD_YL_BU: readonly Rgb[] = [
  [165, 0, 38],
  [215, 48, 39],
  [244, 109, 67],
  [253, 174, 97],
  [254, 224, 144],
  [255, 255, 191],
  [224, 243, 248],
  [171, 217, 233],
  [116, 173, 209],
  [69, 117, 180],
  [49, 54, 149],
];

/**
 * ColorBrewer's Blues (light to dark), as plotly.colors.sequential.Blues lists it. plotly.js has a
 * scale named 'Blues' too, but it runs the other way (dark to light): a figure that named it would
 * draw the best trials pale in a notebook, where Optuna's figure (expanded by Python's plotly)
 * draws them dark. So the figures carry these stops.
 */
const BLUES_STOPS: readonly Rgb[] = [
  [247, 251, 255],
  [222, 235, 247],
  [198, 219, 239],
  [158, 202, 225],
  [107, 174, 214],
  [66, 146, 198],
  [33, 113, 181],
  [8, 81, 156],
  [8, 48, 107],
];

/** RdYlBu reversed (blue for low, red for high): what Optuna's plot_rank colours by. */
export const RD_YL_BU_R: readonly Rgb[] = [...RD_YL_BU].reverse();

/** A plotly.js colorscale ([[position, 'rgb(...)'], ...]) with evenly spaced stops. */
export function plotlyColorscale(stops: readonly Rgb[]): Array<[number, string]> {
  return stops.map((c, i) => [i / (stops.length - 1), `rgb(${c[0]},${c[1]},${c[2]})`]);
}

/** Python's round() of a number as its shortest decimal form: ties go to the even integer. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  const text = String(x);
  // Only an exact .5 in the shortest representation is a tie (as Decimal(str(x)) sees it).
  if (/\.5$/.test(text) && Math.abs(x - Math.trunc(x)) === 0.5) return r % 2 === 0 ? r : r - 1;
  return r;
}

/**
 * The colour at t in [0, 1] on an evenly spaced scale, as plotly.colors.sample_colorscale computes
 * it: linear interpolation of the 0..1 channels between the two stops around t, then each channel
 * scaled to 0..255 and rounded half to even.
 */
export function sampleColorscale(stops: readonly Rgb[], t: number): Rgb {
  const n = stops.length - 1;
  const increment = 1 / n;
  const scale = stops.map((_, i) => i * increment); // plotly's make_colorscale: i * (1 / n), not i / n
  // bisect_left: the first stop at or above t.
  let high = scale.findIndex((s) => s >= t);
  if (high === -1) high = n;
  const low = high === 0 ? n : high - 1; // Python's index -1 at t = 0 (the interpolant is then 1).
  const f = (t - scale[low]) / (scale[high] - scale[low]);
  const channel = (k: number) => {
    const a = stops[low][k] / 255;
    const b = stops[high][k] / 255;
    return roundHalfEven((a + f * (b - a)) * 255);
  };
  return [channel(0), channel(1), channel(2)];
}

export function rgbString(c: Rgb): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Blues as a plotly.js colorscale (what Optuna's parallel coordinate, contour and slice plots colour by). */
export const BLUES: Array<[number, string]> = plotlyColorscale(BLUES_STOPS);
