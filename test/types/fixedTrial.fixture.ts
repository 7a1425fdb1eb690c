// Compile-time checks of FixedTrial (compiled by typecheck.test.ts): an objective typed for a study's
// trials, however it is written, takes a FixedTrial, and so does the typed space; a misspelt option
// or a value no parameter can take is refused.
import { categorical, createStudy, FixedTrial, float, space, type Objective, type Trial } from '../../src';

const asObjective: Objective = (trial) => trial.suggestFloat('x', 0, 1);
void asObjective(new FixedTrial({ x: 0.5 }));

function annotated(trial: Trial): number {
  return trial.suggestInt('n', 1, 3) + trial.suggestFloat('x', 0, 1);
}
void annotated(new FixedTrial({ n: 2, x: 0.1 }, { number: 4, seed: 7 }));
void createStudy().then((study) => study.optimize(annotated));

const s = space({ lr: float(1e-3, 1, { log: true }), optimizer: categorical(['adam', 'sgd']) });
const p = s.suggest(new FixedTrial({ lr: 0.01, optimizer: 'adam' }));
const lr: number = p.lr;
const optimizer: 'adam' | 'sgd' = p.optimizer;
void [lr, optimizer];

// @ts-expect-error names numbr
void new FixedTrial({ x: 1 }, { numbr: 2 });
// @ts-expect-error names ParamValue
void new FixedTrial({ x: [1, 2] });
