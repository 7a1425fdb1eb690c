/**
 * What a Study hands on to modules it must not import. Importance, trial reproduction and the
 * worker-thread loop each import Study (and reproduction opens a scratch study with the default
 * algorithms), so study.ts importing them made one cycle of the engine's core. The module that
 * creates studies (lifecycle.ts) wires these in; study.ts and its concern modules import none of
 * them, only their types.
 */
import type { ImportanceOptions } from '../importance';
import type { ModuleObjective } from '../parallel/moduleObjective';
import type { ReproduceOptions, ReproduceReport } from '../reproducibility/reproduce';
import type { Objective, OptimizeOptions, Study } from '../study';

export interface StudyServices {
  /** `study.importances(opts)`: getParamImportances. */
  importances(study: Study, opts: ImportanceOptions): Record<string, number>;
  /** `study.reproduce(...)`: re-run a finished trial in a scratch study. */
  reproduce(study: Study, trialNumber: number, objective: Objective, opts: ReproduceOptions): Promise<ReproduceReport>;
  /** `study.optimize` with a module objective or `workers`: the worker-thread loop. */
  optimizeInThreads(study: Study, objective: Objective | ModuleObjective, opts: OptimizeOptions): Promise<void>;
}
