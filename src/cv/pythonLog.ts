/**
 * Python's `math.log(x, base)`, to the last bit. scikit-learn's successive halving counts its
 * iterations as `floor(log(n, factor))`, and where `n` is a power of `factor` that floor depends on
 * the last bit of the logarithms: CPython divides the C library's logarithms, which are correctly
 * rounded (log(3) = 1.0986122886681098, so log(243, 3) = 4.999999999999999 and the floor is 4),
 * while V8's `Math.log(3)` is one unit in the last place lower (1.0986122886681096, and the floor
 * is 5). So the logarithm here is computed to 160 bits with integers and rounded once; it runs a
 * few times per search, where its cost (microseconds) does not matter.
 */

const PRECISION = 160n;

/** atanh(p / q) * 2^PRECISION, for 0 <= p / q <= 1/3, by its series sum z^(2k+1) / (2k+1). */
function scaledAtanh(p: bigint, q: bigint): bigint {
  let power = (p << PRECISION) / q; // z^(2k+1), scaled
  const p2 = p * p;
  const q2 = q * q;
  let sum = 0n;
  for (let k = 1n; power !== 0n; k += 2n) {
    sum += power / k;
    power = (power * p2) / q2;
  }
  return sum;
}

const SCALED_LN2 = 2n * scaledAtanh(1n, 3n);

/** The natural logarithm of a positive finite double, correctly rounded (as glibc's `log`). */
export function correctlyRoundedLog(x: number): number {
  if (!(x > 0 && Number.isFinite(x))) return Math.log(x);
  if (x < 2 ** -1022) return Math.log(x); // subnormal: never a candidate or resource count
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const exponent = ((bits.getUint16(0) >> 4) & 0x7ff) - 1023;
  // x = m * 2^exponent with m = M / 2^52 in [1, 2); ln m = 2 atanh((M - 2^52) / (M + 2^52)).
  const fraction = bits.getBigUint64(0) & ((1n << 52n) - 1n);
  const M = fraction | (1n << 52n);
  const scaled = BigInt(exponent) * SCALED_LN2 + 2n * scaledAtanh(M - (1n << 52n), M + (1n << 52n));
  // Number(bigint) rounds to the nearest double; dividing by a power of two is then exact.
  return Number(scaled) / 2 ** Number(PRECISION);
}

/** Python's `math.log(x, base)`: the two logarithms, correctly rounded, divided in doubles. */
export function pythonLog(x: number, base: number): number {
  return correctlyRoundedLog(x) / correctlyRoundedLog(base);
}
