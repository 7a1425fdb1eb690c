/** Binary searches in ascending arrays, and a merge, shared by the engine's structures kept across trials. */

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

/**
 * The first `length` of `numbers` (ascending) without those of `left` and with those of `joined`
 * (neither sorted), ascending.
 */
export function mergeNumbers(numbers: ArrayLike<number>, length: number, left: readonly number[], joined: readonly number[]): number[] {
  const gone = new Set(left);
  const coming = Int32Array.from(joined).sort();
  const merged: number[] = [];
  let k = 0;
  for (let i = 0; i < length; i++) {
    const number = numbers[i];
    if (gone.has(number)) continue;
    while (k < coming.length && coming[k] < number) merged.push(coming[k++]);
    merged.push(number);
  }
  while (k < coming.length) merged.push(coming[k++]);
  return merged;
}
