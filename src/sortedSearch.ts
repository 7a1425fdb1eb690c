/** Binary searches in ascending arrays, shared by the engine's structures kept across trials. */

/** How many of the first `end` entries of the ascending `a` are below x (the first place x could go). */
export function lowerBound(a: ArrayLike<number>, x: number, end: number = a.length): number {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the first `end` entries of the ascending `a` are at most x (the last place x could go). */
export function upperBound(a: ArrayLike<number>, x: number, end: number = a.length): number {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
