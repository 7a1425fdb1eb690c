/**
 * Seeded synthetic data: Larochelle et al.'s (2007) rectangles and convex image tasks at any image
 * size, scikit-learn-style two moons, and sequence tasks for recurrent networks (Hochreiter &
 * Schmidhuber's adding problem and a toy polyphonic chorale generator standing in for JSB
 * Chorales, which no offline package carries). The same seed gives the same data everywhere.
 */
import { checkOptionKeys, optionKeys, seedOrRandomState, type RandomStateOption } from '../options';
import { Rng } from '../rng';
import { requireInt } from '../validate';

export interface ImageDataset {
  /** Each image flattened row-major, pixel values in {0, 1}. */
  X: number[][];
  y: number[];
  size: number;
}

/** The options of the image generators (`rectangles`, `convex`): the image's side in pixels (default 28) and the seed. */
export interface ImageOptions extends RandomStateOption {
  size?: number;
  seed?: number;
}
const IMAGE_OPTION_KEYS = optionKeys<ImageOptions>({ size: true, seed: true, randomState: true });
export type RectanglesOptions = ImageOptions;
export type ConvexOptions = ImageOptions;

/**
 * Rectangles: the white one-pixel outline of a rectangle on a black image; label 1 when it is
 * taller than wide, 0 when wider than tall. As in the original task, height and width are drawn
 * uniformly and pairs too close to square (|h - w| < size/9, 3 pixels at 28) are redrawn; the
 * position is uniform among those that fit.
 */
export function rectangles(n: number, opts: RectanglesOptions = {}): ImageDataset {
  checkOptionKeys('rectangles', opts, IMAGE_OPTION_KEYS);
  const size = opts.size ?? 28;
  requireInt('rectangles', 'n', n, 1);
  requireInt('rectangles', 'size', size, 8);
  const rng = new Rng(seedOrRandomState('rectangles', opts));
  const minGap = Math.max(1, Math.round(size / 9));
  const X: number[][] = [];
  const y: number[] = [];
  for (let s = 0; s < n; s++) {
    let h: number;
    let w: number;
    do {
      h = rng.int(3, size);
      w = rng.int(3, size);
    } while (Math.abs(h - w) < minGap);
    const top = rng.int(0, size - h);
    const left = rng.int(0, size - w);
    const img = new Array<number>(size * size).fill(0);
    for (let c = left; c < left + w; c++) {
      img[top * size + c] = 1;
      img[(top + h - 1) * size + c] = 1;
    }
    for (let r = top; r < top + h; r++) {
      img[r * size + left] = 1;
      img[r * size + left + w - 1] = 1;
    }
    X.push(img);
    y.push(h > w ? 1 : 0);
  }
  return { X, y, size };
}

/**
 * A random half-plane keeping the point (cx, cy): its boundary is at distance uniform in
 * [0.1, 0.6] from that point in a random direction (pixel centres live in [0, 1]^2), so an
 * intersection of several is a polygon of varied shape around the point.
 */
function randomHalfPlane(rng: Rng, cx: number, cy: number): (x: number, y: number) => boolean {
  const angle = rng.uniform(0, 2 * Math.PI);
  const a = Math.cos(angle);
  const b = Math.sin(angle);
  const c = a * cx + b * cy + rng.uniform(0.08, 0.4);
  return (x, y) => a * x + b * y <= c;
}

function convexRegion(rng: Rng, size: number): Uint8Array {
  const cx = rng.uniform(0.2, 0.8);
  const cy = rng.uniform(0.2, 0.8);
  const planes = Array.from({ length: rng.int(3, 8) }, () => randomHalfPlane(rng, cx, cy));
  const img = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = (c + 0.5) / size;
      const yy = (r + 0.5) / size;
      img[r * size + c] = planes.every((p) => p(x, yy)) ? 1 : 0;
    }
  }
  return img;
}

/**
 * Whether the white pixels form a digitally convex set: for every row and column the white pixels
 * are one contiguous run, and no black pixel lies inside the convex hull of the white pixel centres
 * by more than half a pixel (tested on the hull of row runs).
 */
function isConvex(img: Uint8Array, size: number): boolean {
  const pts: Array<[number, number]> = [];
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (img[r * size + c]) pts.push([c, r]);
  if (pts.length === 0) return false;
  const hull = convexHull(pts);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (!img[r * size + c] && insideHull(hull, c, r, 0.5)) return false;
    }
  }
  return true;
}

function cross(o: [number, number], a: [number, number], b: [number, number]): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Andrew's monotone chain, counter-clockwise. */
function convexHull(points: Array<[number, number]>): Array<[number, number]> {
  const pts = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const lower: Array<[number, number]> = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Array<[number, number]> = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** Whether (x, y) lies inside the hull with at least `margin` distance to every edge. */
function insideHull(hull: Array<[number, number]>, x: number, y: number, margin: number): boolean {
  if (hull.length < 3) return false;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (cross(a, b, [x, y]) / len < margin) return false;
  }
  return true;
}

/**
 * Convex: label 1 when the white region is convex (an intersection of random half-planes), 0 when
 * it is not (a union of two or three such regions that fails the convexity test). Regions covering
 * under 10% of the image are redrawn, as tiny blobs carry no shape.
 */
export function convex(n: number, opts: ConvexOptions = {}): ImageDataset {
  checkOptionKeys('convex', opts, IMAGE_OPTION_KEYS);
  const size = opts.size ?? 28;
  requireInt('convex', 'n', n, 1);
  requireInt('convex', 'size', size, 8);
  const rng = new Rng(seedOrRandomState('convex', opts));
  const minArea = 0.1 * size * size;
  const X: number[][] = [];
  const y: number[] = [];
  for (let s = 0; s < n; s++) {
    const label = rng.random() < 0.5 ? 1 : 0;
    let img: Uint8Array;
    for (;;) {
      img = convexRegion(rng, size);
      if (label === 0) {
        const parts = rng.int(2, 3);
        for (let p = 1; p < parts; p++) {
          const other = convexRegion(rng, size);
          for (let i = 0; i < img.length; i++) img[i] |= other[i];
        }
      }
      let area = 0;
      for (const v of img) area += v;
      if (area < minArea || area === img.length) continue;
      if (isConvex(img, size) === (label === 1)) break;
    }
    X.push(Array.from(img));
    y.push(label);
  }
  return { X, y, size };
}

export interface TwoMoonsOptions extends RandomStateOption {
  noise?: number;
  seed?: number;
}
const TWO_MOONS_OPTION_KEYS = optionKeys<TwoMoonsOptions>({ noise: true, seed: true, randomState: true });

/** Two interleaving half circles (scikit-learn's make_moons), Gaussian noise of std `noise`; label = moon. */
export function twoMoons(n: number, opts: TwoMoonsOptions = {}): { X: number[][]; y: number[] } {
  checkOptionKeys('twoMoons', opts, TWO_MOONS_OPTION_KEYS);
  requireInt('twoMoons', 'n', n, 2);
  const noise = opts.noise ?? 0;
  const rng = new Rng(seedOrRandomState('twoMoons', opts));
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < nOut; i++) {
    const t = nOut === 1 ? 0 : (Math.PI * i) / (nOut - 1);
    X.push([Math.cos(t), Math.sin(t)]);
    y.push(0);
  }
  for (let i = 0; i < nIn; i++) {
    const t = nIn === 1 ? 0 : (Math.PI * i) / (nIn - 1);
    X.push([1 - Math.cos(t), 1 - Math.sin(t) - 0.5]);
    y.push(1);
  }
  // Shuffle so that a plain KFold sees both classes, then add noise.
  const order = rng.shuffle(X.map((_, i) => i));
  return {
    X: order.map((i) => X[i].map((v) => v + (noise > 0 ? rng.normal(0, noise) : 0))),
    y: order.map((i) => y[i]),
  };
}

export interface SequenceDataset {
  /** [sample][time][feature] */
  X: number[][][];
  /** A target per sample (regression/classification) ... */
  y: number[];
}

export interface AddingProblemOptions extends RandomStateOption {
  length?: number;
  seed?: number;
}
const ADDING_PROBLEM_OPTION_KEYS = optionKeys<AddingProblemOptions>({ length: true, seed: true, randomState: true });

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): each step holds a value uniform in [0, 1)
 * and a marker; exactly two steps are marked (one in each half of the sequence) and the target is
 * the sum of their values. Predicting 1.0 always gives a mean squared error of about 1/6.
 */
export function addingProblem(n: number, opts: AddingProblemOptions = {}): SequenceDataset {
  checkOptionKeys('addingProblem', opts, ADDING_PROBLEM_OPTION_KEYS);
  const T = opts.length ?? 20;
  requireInt('addingProblem', 'n', n, 1);
  requireInt('addingProblem', 'length', T, 2);
  const rng = new Rng(seedOrRandomState('addingProblem', opts));
  const X: number[][][] = [];
  const y: number[] = [];
  const half = Math.floor(T / 2);
  for (let s = 0; s < n; s++) {
    const seq = Array.from({ length: T }, () => [rng.random(), 0]);
    const a = rng.int(0, half - 1);
    const b = rng.int(half, T - 1);
    seq[a][1] = 1;
    seq[b][1] = 1;
    X.push(seq);
    y.push(seq[a][0] + seq[b][0]);
  }
  return { X, y };
}

export interface ChoraleDataset {
  /** [sample][time][pitch] piano-roll frames, 1 where a voice sounds that pitch. */
  frames: number[][][];
  /** frames[t] as inputs ... */
  X: number[][][];
  /** ... frames[t + 1] as multi-label targets (next-frame prediction, as JSB Chorales is used). */
  Y: number[][][];
  /** MIDI number of pitch index 0. */
  lowestPitch: number;
}

const MAJOR = [0, 2, 4, 5, 7, 9, 11];
// Chord roots as scale degrees (I, ii, IV, V, vi) and which may follow which, in the common-practice manner.
const NEXT_DEGREE: Record<number, number[]> = { 0: [3, 4, 5, 1], 1: [4], 3: [4, 0, 1], 4: [0, 5], 5: [1, 3] };

export interface ToyChoralesOptions extends RandomStateOption {
  length?: number;
  stepsPerBeat?: number;
  pitches?: number;
  seed?: number;
}
const TOY_CHORALES_OPTION_KEYS = optionKeys<ToyChoralesOptions>({
  length: true,
  stepsPerBeat: true,
  pitches: true,
  seed: true,
  randomState: true,
});

/**
 * Toy four-voice chorales: a chord progression in a random major key (I, ii, IV, V, vi with
 * common-practice successions, ending V-I), each chord held for 1-2 beats of `stepsPerBeat` frames;
 * bass, tenor, alto and soprano take chord tones in their ranges, each moving to the nearest tone of
 * the next chord (smooth voice leading). Output as piano-roll frames over `pitches` semitones from
 * MIDI 36 (C2), the shape of polyphonic music tasks like JSB Chorales.
 */
export function toyChorales(n: number, opts: ToyChoralesOptions = {}): ChoraleDataset {
  checkOptionKeys('toyChorales', opts, TOY_CHORALES_OPTION_KEYS);
  const T = opts.length ?? 32;
  const stepsPerBeat = opts.stepsPerBeat ?? 2;
  const P = opts.pitches ?? 48;
  requireInt('toyChorales', 'n', n, 1);
  requireInt('toyChorales', 'length', T, 2);
  requireInt('toyChorales', 'pitches', P, 36);
  const lowest = 36;
  const ranges: Array<[number, number]> = [
    [36, 55], // bass
    [48, 67], // tenor
    [55, 74], // alto
    [60, 79], // soprano
  ].map(([lo, hi]) => [Math.max(lo, lowest), Math.min(hi, lowest + P - 1)] as [number, number]);
  const rng = new Rng(seedOrRandomState('toyChorales', opts));
  const frames: number[][][] = [];
  for (let s = 0; s < n; s++) {
    const key = rng.int(0, 11);
    const chordTones = (degree: number) => [0, 2, 4].map((k) => (key + MAJOR[(degree + k) % 7]) % 12);
    const seq: number[][] = [];
    let degree = 0;
    let voices: number[] | null = null;
    while (seq.length < T) {
      const remaining = T - seq.length;
      // Cadence: the last two chords are V then I.
      if (remaining <= 2 * stepsPerBeat) degree = remaining <= stepsPerBeat ? 0 : 4;
      const tones = chordTones(degree);
      voices = ranges.map(([lo, hi], v) => {
        const candidates: number[] = [];
        for (let p = lo; p <= hi; p++) if (tones.includes(p % 12)) candidates.push(p);
        if (v === 0) {
          // The bass prefers the root.
          const roots = candidates.filter((p) => p % 12 === tones[0]);
          if (roots.length) candidates.splice(0, candidates.length, ...roots);
        }
        const prev = voices?.[v] ?? rng.choice(candidates);
        let best = candidates[0];
        for (const p of candidates)
          if (Math.abs(p - prev) < Math.abs(best - prev) || (Math.abs(p - prev) === Math.abs(best - prev) && rng.random() < 0.5)) best = p;
        return best;
      });
      const beats = rng.int(1, 2);
      for (let k = 0; k < beats * stepsPerBeat && seq.length < T; k++) {
        const frame = new Array<number>(P).fill(0);
        for (const p of voices) frame[p - lowest] = 1;
        seq.push(frame);
      }
      degree = rng.choice(NEXT_DEGREE[degree]);
    }
    frames.push(seq);
  }
  return { frames, X: frames.map((f) => f.slice(0, -1)), Y: frames.map((f) => f.slice(1)), lowestPitch: lowest };
}
