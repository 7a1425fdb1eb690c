/**
 * Classic black-box benchmark functions (all minimised), with their domains and known minima
 * (REFERENCE.md, "Benchmark functions"). Shared by every sampler benchmark so tunelab and Optuna
 * are scored on exactly the same definitions.
 */
export interface BenchmarkFunction {
  readonly name: string;
  /** Box bounds per dimension, [low, high]. */
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** Known global minimum value (simple regret = best found - this). */
  readonly minimum: number;
  readonly f: (x: readonly number[]) => number;
}

/** Branin on [-5,10]x[0,15]: min 0.397887 at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475). */
export function branin(x: readonly number[]): number {
  const [x1, x2] = x;
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const H3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
].map((r) => r.map((v) => v * 1e-4));
const H_ALPHA = [1, 1.2, 3, 3.2];

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));

function hartmann(x: readonly number[], A: number[][], P: number[][]): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < x.length; j++) inner += A[i][j] * (x[j] - P[i][j]) ** 2;
    s += H_ALPHA[i] * Math.exp(-inner);
  }
  return -s;
}

/** Hartmann-3 on [0,1]^3: min -3.86278. */
export const hartmann3 = (x: readonly number[]): number => hartmann(x, H3_A, H3_P);
/** Hartmann-6 on [0,1]^6: min -3.32237. */
export const hartmann6 = (x: readonly number[]): number => hartmann(x, H6_A, H6_P);

/** Rosenbrock: min 0 at (1, ..., 1). */
export function rosenbrock(x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return s;
}

/** Ackley: min 0 at the origin. */
export function ackley(x: readonly number[]): number {
  const d = x.length;
  let sq = 0;
  let cos = 0;
  for (const v of x) {
    sq += v * v;
    cos += Math.cos(2 * Math.PI * v);
  }
  return -20 * Math.exp(-0.2 * Math.sqrt(sq / d)) - Math.exp(cos / d) + 20 + Math.E;
}

const box = (d: number, low: number, high: number): Array<[number, number]> =>
  Array.from({ length: d }, () => [low, high] as [number, number]);

export const BENCHMARKS: readonly BenchmarkFunction[] = [
  {
    name: 'branin',
    bounds: [
      [-5, 10],
      [0, 15],
    ],
    minimum: 0.397887,
    f: branin,
  },
  { name: 'hartmann3', bounds: box(3, 0, 1), minimum: -3.86278, f: hartmann3 },
  { name: 'hartmann6', bounds: box(6, 0, 1), minimum: -3.32237, f: hartmann6 },
  { name: 'rosenbrock4', bounds: box(4, -5, 10), minimum: 0, f: rosenbrock },
  { name: 'ackley5', bounds: box(5, -32.768, 32.768), minimum: 0, f: ackley },
];

/**
 * The same functions as Python source, so a benchmark can hand Optuna exactly these definitions
 * (Python subprocess) and compare side by side in one run.
 */
export const PYTHON_BENCHMARKS = `
import math
def branin(x):
    x1, x2 = x
    b = 5.1 / (4 * math.pi ** 2); c = 5 / math.pi; t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10
H3_A = ${JSON.stringify(H3_A)}
H3_P = ${JSON.stringify(H3_P)}
H6_A = ${JSON.stringify(H6_A)}
H6_P = ${JSON.stringify(H6_P)}
ALPHA = ${JSON.stringify(H_ALPHA)}
def hartmann(x, A, P):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(len(x)))) for i in range(4))
def hartmann3(x): return hartmann(x, H3_A, H3_P)
def hartmann6(x): return hartmann(x, H6_A, H6_P)
def rosenbrock(x): return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))
def ackley(x):
    d = len(x)
    return -20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d)) - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e
BENCHMARKS = {
    'branin': (branin, [[-5, 10], [0, 15]], 0.397887),
    'hartmann3': (hartmann3, [[0, 1]] * 3, -3.86278),
    'hartmann6': (hartmann6, [[0, 1]] * 6, -3.32237),
    'rosenbrock4': (rosenbrock, [[-5, 10]] * 4, 0.0),
    'ackley5': (ackley, [[-32.768, 32.768]] * 5, 0.0),
}
`;
