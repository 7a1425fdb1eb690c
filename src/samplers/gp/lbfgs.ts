/**
 * Limited-memory BFGS with optional box bounds (projected search with an active set), used to fit
 * GP kernel hyperparameters and to polish the acquisition function. A backtracking Armijo line search
 * keeps it robust on the non-convex objectives it meets here; it is not a full L-BFGS-B, but from the
 * warm or multi-start points we use it converges to the same local optima.
 */
export interface LbfgsOptions {
  maxIter?: number;
  /** History length. */
  memory?: number;
  lower?: Float64Array;
  upper?: Float64Array;
  /** Stop when the largest free gradient component falls below this. */
  gradTol?: number;
  /** Stop when the relative decrease of f in one step falls below this. */
  relTol?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
}

/** Minimise f; `fg(x, g)` returns f(x) and writes the gradient into g. */
export function minimizeLbfgs(
  fg: (x: Float64Array, g: Float64Array) => number,
  x0: ArrayLike<number>,
  opts: LbfgsOptions = {},
): LbfgsResult {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 100;
  const m = opts.memory ?? 8;
  const gradTol = opts.gradTol ?? 1e-6;
  const relTol = opts.relTol ?? 1e-10;
  const { lower, upper } = opts;
  const project = (x: Float64Array) => {
    if (lower) for (let i = 0; i < n; i++) if (x[i] < lower[i]) x[i] = lower[i];
    if (upper) for (let i = 0; i < n; i++) if (x[i] > upper[i]) x[i] = upper[i];
  };
  let x = Float64Array.from(x0);
  project(x);
  let g = new Float64Array(n);
  let f = fg(x, g);
  if (!Number.isFinite(f)) return { x, f, iterations: 0 };
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const free = new Uint8Array(n);
  const xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // Variables at a bound whose gradient pushes outward are held fixed this iteration.
    let gmax = 0;
    for (let i = 0; i < n; i++) {
      const atLow = lower !== undefined && x[i] <= lower[i] && g[i] > 0;
      const atHigh = upper !== undefined && x[i] >= upper[i] && g[i] < 0;
      free[i] = atLow || atHigh ? 0 : 1;
      if (free[i]) gmax = Math.max(gmax, Math.abs(g[i]));
    }
    if (gmax < gradTol) break;
    // Two-loop recursion on the free variables.
    for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i] : 0;
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      let dot = 0;
      const s = sHist[j];
      for (let i = 0; i < n; i++) if (free[i]) dot += s[i] * d[i];
      alpha[j] = rhoHist[j] * dot;
      const y = yHist[j];
      for (let i = 0; i < n; i++) if (free[i]) d[i] -= alpha[j] * y[i];
    }
    if (k > 0) {
      const s = sHist[k - 1];
      const y = yHist[k - 1];
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        sy += s[i] * y[i];
        yy += y[i] * y[i];
      }
      const gamma = yy > 0 ? sy / yy : 1;
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < k; j++) {
      let dot = 0;
      const y = yHist[j];
      for (let i = 0; i < n; i++) if (free[i]) dot += y[i] * d[i];
      const beta = rhoHist[j] * dot;
      const s = sHist[j];
      for (let i = 0; i < n; i++) if (free[i]) d[i] += (alpha[j] - beta) * s[i];
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += g[i] * d[i];
    if (!(slope < 0)) {
      // Not a descent direction (curvature memory went stale): restart from steepest descent.
      sHist.length = 0;
      yHist.length = 0;
      rhoHist.length = 0;
      for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i] : 0;
      slope = 0;
      for (let i = 0; i < n; i++) slope += g[i] * d[i];
    }
    // First iteration: a step of unit length in the largest coordinate, a safe scale for any problem.
    let t = k === 0 ? Math.min(1, 1 / gmax) : 1;
    let fNew = Infinity;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + t * d[i];
      project(xNew);
      let dec = 0;
      for (let i = 0; i < n; i++) dec += g[i] * (xNew[i] - x[i]);
      fNew = fg(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * dec) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
      sy += s[i] * y[i];
    }
    if (sy > 1e-12) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    const fOld = f;
    x = Float64Array.from(xNew);
    const tmp = g;
    g = gNew;
    gNew = tmp;
    f = fNew;
    if (Math.abs(fOld - f) <= relTol * Math.max(1, Math.abs(f))) {
      iter++;
      break;
    }
  }
  return { x, f, iterations: iter };
}
