// Compile-time checks of the typed space with conditional branches (compiled by typecheck.test.ts).
// `Equal` assertions must hold; each `// @ts-expect-error names <what>` line must fail mentioning <what>.
import { SVC, branch, categorical, float, int, space, tuneCV, type ParamsOf, type Trial } from '../../src';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

declare const trial: Trial;

const s = space({
  lr: float(1e-4, 1e-1, { log: true }),
  model: branch({
    svm: { C: float(1e-3, 1e3, { log: true }), kernel: categorical(['rbf', 'linear']) },
    tree: { depth: int(1, 10) },
    none: {},
  }),
});
const p = s.suggest(trial);

// The inferred type is a discriminated union on `kind`.
assertType<
  Equal<
    typeof p,
    {
      lr: number;
      model: { kind: 'svm'; C: number; kernel: 'rbf' | 'linear' } | { kind: 'tree'; depth: number } | { kind: 'none' };
    }
  >
>();
assertType<Equal<ParamsOf<typeof s.definition>, typeof p>>();

// Narrowing on the tag gives the alternative's parameters.
if (p.model.kind === 'svm') {
  const c: number = p.model.C;
  const k: 'rbf' | 'linear' = p.model.kernel;
  void [c, k];
  // @ts-expect-error names depth
  void p.model.depth;
} else if (p.model.kind === 'tree') {
  const d: number = p.model.depth;
  void d;
}

// Without narrowing, an alternative's parameter is not there.
// @ts-expect-error names C
void p.model.C;
// An alternative that does not exist.
// @ts-expect-error names forest
void (p.model.kind === 'forest');

// Nested branches and a custom tag.
const nested = space({
  clf: branch(
    {
      svm: { C: float(0.1, 10), kernel: branch({ rbf: { gamma: float(1e-3, 1) }, poly: { degree: int(2, 5) } }) },
      knn: { k: int(1, 30) },
    },
    { tag: 'type' },
  ),
});
const q = nested.suggest(trial);
assertType<
  Equal<
    typeof q,
    {
      clf:
        { type: 'svm'; C: number; kernel: { kind: 'rbf'; gamma: number } | { kind: 'poly'; degree: number } } | { type: 'knn'; k: number };
    }
  >
>();
if (q.clf.type === 'svm' && q.clf.kernel.kind === 'poly') {
  const degree: number = q.clf.kernel.degree;
  void degree;
}

// fromParams and grid give the same typed value.
const restored = s.fromParams({ lr: 0.01, model: 'tree', 'model.tree.depth': 3 });
assertType<Equal<typeof restored, typeof p>>();
void restored;
const configurations: Array<typeof q> = nested.grid(); // (type only: this fixture is compiled, never run)
void configurations;
// toParams takes only values of the space.
// @ts-expect-error names forest
s.toParams({ lr: 0.1, model: { kind: 'forest' } });

// A typed space still goes wherever a search space is accepted.
void tuneCV(new SVC(), space({ C: float(0.01, 100, { log: true }), kernel: categorical(['linear', 'rbf']) }), [[0]], [0]);
