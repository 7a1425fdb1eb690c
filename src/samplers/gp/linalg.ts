/**
 * Dense linear algebra for Gaussian processes on row-major Float64Arrays. Matrices here are small
 * (n <= a few hundred trials), so plain loops ordered for cache locality are fast enough and keep
 * the library free of native dependencies.
 */

/**
 * Cholesky factor L (lower triangular, row-major, upper part zero) of a symmetric positive-definite
 * n x n matrix. Returns null when a pivot is not positive (the caller adds jitter and retries).
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      // Dot product of the already-computed prefixes of rows i and j.
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j];
      }
    }
  }
  return l;
}

/**
 * Cholesky with growing diagonal jitter: GP kernel matrices can be numerically singular when two
 * trials sit at (almost) the same point. Returns the factor and the jitter that was needed.
 */
export function choleskyWithJitter(a: Float64Array, n: number): { l: Float64Array; jitter: number } {
  let l = cholesky(a, n);
  if (l) return { l, jitter: 0 };
  let jitter = 1e-10;
  const b = new Float64Array(a);
  for (let attempt = 0; attempt < 12; attempt++, jitter *= 10) {
    for (let i = 0; i < n; i++) b[i * n + i] = a[i * n + i] + jitter;
    l = cholesky(b, n);
    if (l) return { l, jitter };
  }
  throw new Error('Cholesky failed: the kernel matrix is not positive definite even with jitter 1e+1.');
}

/** Solve L x = b (forward substitution) into `out` (may alias b). */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * out[k];
    out[i] = s / l[ri + i];
  }
  return out;
}

/** Solve L^T x = b (back substitution with the lower factor) into `out` (may alias b). */
export function solveLowerTransposed(
  l: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  if (out !== b) for (let i = 0; i < n; i++) out[i] = b[i];
  // Column-oriented back substitution so the inner loop walks rows of L contiguously.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = out[i] / l[ri + i];
    out[i] = xi;
    for (let k = 0; k < i; k++) out[k] -= l[ri + k] * xi;
  }
  return out;
}

/** Solve (L L^T) x = b. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = solveLower(l, n, b);
  return solveLowerTransposed(l, n, y, y);
}

/** The inverse (L L^T)^-1 as a full symmetric row-major matrix. */
export function choleskyInverse(l: Float64Array, n: number): Float64Array {
  // M = L^-1 row by row: row i = (e_i - sum_{k<i} L[i][k] M[k]) / L[i][i]. Each update is an axpy
  // over a contiguous row, which is what makes this fast in JS (no strided column walks).
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    m[ri + i] = 1;
    for (let k = 0; k < i; k++) {
      const c = l[ri + k];
      if (c === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) m[ri + j] -= c * m[rk + j];
    }
    const inv = 1 / l[ri + i];
    for (let j = 0; j <= i; j++) m[ri + j] *= inv;
  }
  // (L L^T)^-1 = M^T M; row k of M is nonzero only in columns <= k.
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const mki = m[rk + i];
      if (mki === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) out[ri + j] += mki * m[rk + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j];
  return out;
}
