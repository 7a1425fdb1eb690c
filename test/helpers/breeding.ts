/**
 * Children of an NSGA sampler's first bred generation, drawn one after another without running a
 * study: each is asked for a new RUNNING trial numbered after the study's parents (generation 0),
 * as the study would ask, so thousands can be compared in distribution with Optuna's children.
 */
import { frozenTrial, TrialState, type FrozenTrial, type Study } from '../../src';
import type { Distribution } from '../../src/distributions';
import type { NSGAIISampler } from '../../src/samplers/nsgaii';

/** The internal parameters `sampler` proposes for `draws` new trials of `study`, whose trials are the parents. */
export async function breedChildren(
  sampler: NSGAIISampler,
  study: Study,
  space: Record<string, Distribution>,
  draws: number,
): Promise<Record<string, number>[]> {
  const parents = study.trials.length;
  const children: Record<string, number>[] = [];
  for (let k = 0; k < draws; k++) {
    const trial: FrozenTrial = frozenTrial({
      ...study.trials[0],
      trialId: 1000 + k,
      number: parents + k,
      state: TrialState.RUNNING,
      values: null,
      systemAttrs: {},
    });
    await sampler.beforeTrial(study.view, trial);
    children.push(sampler.sampleRelative(study.view, trial, space));
  }
  return children;
}
