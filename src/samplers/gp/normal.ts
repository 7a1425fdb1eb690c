/**
 * Standard normal functions accurate far into the tails, for log expected improvement and log
 * probability of feasibility. Two tools cover the real line without cancellation:
 * - near the centre, erf from its positive-term series erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!!;
 * - in the lower tail, the Laplace continued fraction of Mills' ratio
 *   R(x) = Phi(-x)/phi(x) = 1/(x + 1/(x + 2/(x + 3/(x + ...)))).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Below -TAIL the continued-fraction forms are used. */
const TAIL = 3;
const CF_DEPTH = 120;

export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

export function normalLogPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** erf(x) for |x| < 3.2 by the all-positive series (no cancellation). */
function erfSeries(x: number): number {
  const ax = Math.abs(x);
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 0; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  const v = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -v : v;
}

/**
 * Tail continued fraction c(x) = 1/(x + 2/(x + 3/(x + ...))) for x > 0, so that
 * Mills' ratio is R(x) = 1/(x + c(x)).
 */
function millsTail(x: number): number {
  let t = x;
  for (let k = CF_DEPTH; k >= 2; k--) t = x + k / t;
  return 1 / t;
}

/** Mills' ratio Phi(-x)/phi(x) for x >= TAIL. */
function millsRatio(x: number): number {
  return 1 / (x + millsTail(x));
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  if (z < -TAIL) return normalPdf(z) * millsRatio(-z);
  if (z > TAIL) return 1 - normalPdf(z) * millsRatio(z);
  return 0.5 * (1 + erfSeries(z / Math.SQRT2));
}

/** log Phi(z), finite for every finite z. */
export function normalLogCdf(z: number): number {
  if (z < -TAIL) return normalLogPdf(z) + Math.log(millsRatio(-z));
  if (z > TAIL) return Math.log1p(-normalPdf(z) * millsRatio(z));
  return Math.log(normalCdf(z));
}

/** d/dz log Phi(z) = phi(z)/Phi(z) (the inverse Mills ratio), stable in the lower tail. */
export function dNormalLogCdf(z: number): number {
  if (z < -TAIL) return 1 / millsRatio(-z);
  return normalPdf(z) / normalCdf(z);
}

/**
 * log h(z) where h(z) = phi(z) + z Phi(z) is expected improvement at unit standard deviation
 * (EI = sigma h((mu - best)/sigma)). In the lower tail h(-x) = phi(x) c/(x + c) with c = millsTail(x),
 * so log EI stays finite and accurate where EI itself underflows (Ament et al. 2023, "logEI").
 */
export function logH(z: number): number {
  if (z < -TAIL) {
    const x = -z;
    const c = millsTail(x);
    return normalLogPdf(x) + Math.log(c) - Math.log(x + c);
  }
  return Math.log(normalPdf(z) + z * normalCdf(z));
}

/** d/dz log h(z) = Phi(z)/h(z), since h'(z) = Phi(z). */
export function dLogH(z: number): number {
  if (z < -TAIL) return 1 / millsTail(-z);
  return normalCdf(z) / (normalPdf(z) + z * normalCdf(z));
}

/** log expected improvement of N(mean, sd^2) over `best` (maximisation). */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  return Math.log(sd) + logH((mean - best) / sd);
}
