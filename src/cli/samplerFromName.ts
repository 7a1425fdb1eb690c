/**
 * `--sampler TPESampler --sampler-kwargs '{"seed": 1, "n_startup_trials": 5}'` as `optuna ask`
 * takes them: an Optuna sampler class name and its keyword arguments in snake_case, mapped to the
 * tunelab sampler of that name and its camelCase options.
 */
import { InvalidArgumentError } from '../errors';
import type { CategoricalChoice } from '../distributions';
import type { Sampler } from '../samplers/base';
import { CmaEsSampler } from '../samplers/cmaes';
import { GPSampler } from '../samplers/gp';
import { GridSampler } from '../samplers/grid';
import { NSGAIIISampler, NSGAIISampler } from '../samplers/nsgaii';
import { QMCSampler } from '../samplers/qmc';
import { RandomSampler } from '../samplers/random';
import { TPESampler } from '../samplers/tpe';

type Options = Record<string, unknown>;

const SAMPLERS: Record<string, (o: Options) => Sampler> = {
  RandomSampler: (o) => new RandomSampler(o),
  TPESampler: (o) => new TPESampler(o),
  GPSampler: (o) => new GPSampler(o),
  CmaEsSampler: (o) => new CmaEsSampler(o),
  NSGAIISampler: (o) => new NSGAIISampler(o),
  NSGAIIISampler: (o) => new NSGAIIISampler(o),
  QMCSampler: (o) => new QMCSampler(o),
  GridSampler: ({ searchSpace, ...rest }) => {
    if (searchSpace === null || typeof searchSpace !== 'object') {
      throw new InvalidArgumentError('GridSampler needs "search_space" in --sampler-kwargs: {"search_space": {"x": [1, 2]}}.');
    }
    return new GridSampler(searchSpace as Record<string, CategoricalChoice[]>, rest);
  },
};

export const SAMPLER_NAMES = Object.keys(SAMPLERS);

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function samplerFromName(name: string, kwargsJson: string | undefined): Sampler {
  const make = Object.prototype.hasOwnProperty.call(SAMPLERS, name) ? SAMPLERS[name] : undefined;
  if (!make) throw new InvalidArgumentError(`Unknown sampler '${name}'. Use one of: ${SAMPLER_NAMES.join(', ')}.`);
  let kwargs: unknown = {};
  if (kwargsJson !== undefined) {
    try {
      kwargs = JSON.parse(kwargsJson);
    } catch {
      throw new InvalidArgumentError(`--sampler-kwargs is not JSON: ${kwargsJson.slice(0, 200)}`);
    }
  }
  if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new InvalidArgumentError('--sampler-kwargs must be a JSON object of keyword arguments, e.g. {"seed": 1}.');
  }
  return make(Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [camel(k), v])));
}
