/**
 * `ask --search-space JSON`: parameter names to distributions in the form Optuna's
 * `distribution_to_json` writes (`{"name": "FloatDistribution", "attributes": {"low": 0.0, ...}}`).
 *
 * Optuna builds each distribution with `cls(**attributes)`, so a misspelt attribute is a TypeError
 * there; distributionFromJson (which reads what storages hold, written by Optuna or tunelab) takes
 * the attributes it knows and ignores the rest, so a typed `"lgo": true` would sample a linear range
 * without a word. Text typed on a command line is checked here first: the distribution's name, its
 * attributes' names and their JSON types, each error naming the parameter and what is valid.
 */
import { distributionFromJson, type Distribution } from '../distributions';
import { hasKey, ownValue } from '../dict';
import { InvalidArgumentError } from '../errors';
import { nearestKey } from '../options';
import { rawObjectMembers } from '../pythonFloats';

type AttributeType = 'number' | 'number-or-null' | 'boolean' | 'array';

interface DistributionSpec {
  required: Record<string, AttributeType>;
  optional: Record<string, AttributeType>;
}

const LOW_HIGH = { low: 'number', high: 'number' } as const;

/** Optuna 5.0's DISTRIBUTION_CLASSES with their constructors' keyword arguments. */
const SPECS: Record<string, DistributionSpec> = {
  FloatDistribution: { required: LOW_HIGH, optional: { log: 'boolean', step: 'number-or-null' } },
  IntDistribution: { required: LOW_HIGH, optional: { log: 'boolean', step: 'number' } },
  CategoricalDistribution: { required: { choices: 'array' }, optional: {} },
  // Optuna's deprecated classes, still read by json_to_distribution.
  UniformDistribution: { required: LOW_HIGH, optional: {} },
  LogUniformDistribution: { required: LOW_HIGH, optional: {} },
  DiscreteUniformDistribution: { required: { ...LOW_HIGH, q: 'number' }, optional: {} },
  IntUniformDistribution: { required: LOW_HIGH, optional: { step: 'number' } },
  IntLogUniformDistribution: { required: LOW_HIGH, optional: { step: 'number' } },
};
const CURRENT = ['FloatDistribution', 'IntDistribution', 'CategoricalDistribution'];
const DEPRECATED = Object.keys(SPECS).filter((n) => !CURRENT.includes(n));

const EXAMPLE = '{"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}}}';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON value's kind as a user reads it ("the string \"0\"", "an array", "null"). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v === 'number' ? 'the number' : typeof v} ${JSON.stringify(v)}`;
}

/** Why `value` is not of `type`, or null. */
function typeProblem(key: string, value: unknown, type: AttributeType): string | null {
  const ok =
    type === 'boolean'
      ? typeof value === 'boolean'
      : type === 'array'
        ? Array.isArray(value)
        : typeof value === 'number' || (type === 'number-or-null' && value === null);
  if (ok) return null;
  const wanted = { number: 'a number', 'number-or-null': 'a number or null', boolean: 'true or false', array: 'a list of choices' }[type];
  let hint = '';
  if (typeof value === 'string' && type !== 'array') {
    const unquoted = value.trim();
    if (type === 'boolean' && (unquoted === 'true' || unquoted === 'false')) hint = `; write ${unquoted} without quotes`;
    else if (type !== 'boolean' && unquoted !== '' && Number.isFinite(Number(unquoted))) hint = `; write ${unquoted} without quotes`;
  }
  return `attribute '${key}' is ${describe(value)}, but it must be ${wanted}${hint}`;
}

/** Check one distribution's JSON (already parsed) as Optuna's `cls(**attributes)` would take it. */
function checkDistributionJson(param: string, parsed: unknown): void {
  const where = `--search-space: parameter '${param}'`;
  if (!isObject(parsed) || typeof parsed.name !== 'string') {
    throw new InvalidArgumentError(
      `${where} is ${describe(parsed)}${isObject(parsed) ? ' without a "name"' : ''}; each distribution is ` +
        `{"name": ..., "attributes": {...}}, as optuna.distributions.distribution_to_json writes it, e.g. ${EXAMPLE}.`,
    );
  }
  const spec = ownValue(SPECS, parsed.name);
  if (!spec) {
    // A close spelling, or a shortened one ('FloatDist').
    const given = parsed.name.toLowerCase();
    const near =
      nearestKey(parsed.name, Object.keys(SPECS)) ??
      (given.length >= 3 ? Object.keys(SPECS).find((n) => n.toLowerCase().startsWith(given)) : undefined);
    throw new InvalidArgumentError(
      `${where}: unknown distribution '${parsed.name}'.${near ? ` Did you mean ${near}?` : ''} The names are ` +
        `${CURRENT.join(', ')} (and Optuna's older ${DEPRECATED.join(', ')}).`,
    );
  }
  const attributes = parsed.attributes ?? {};
  const valid = [...Object.keys(spec.required), ...Object.keys(spec.optional)];
  if (!isObject(attributes)) {
    throw new InvalidArgumentError(`${where}: "attributes" is ${describe(attributes)}; it must be an object of ${valid.join(', ')}.`);
  }
  for (const key of Object.keys(attributes)) {
    if (valid.includes(key)) continue;
    const near = nearestKey(key, valid);
    throw new InvalidArgumentError(
      `${where}: ${parsed.name} has no attribute '${key}'${near ? ` (did you mean '${near}'?)` : ''}; its attributes are ` +
        `${valid.join(', ')}. (Optuna refuses it too: unexpected keyword argument.)`,
    );
  }
  const missing = Object.keys(spec.required).filter((k) => !hasKey(attributes, k));
  if (missing.length > 0) {
    throw new InvalidArgumentError(`${where}: ${parsed.name} needs the attribute${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);
  }
  for (const [key, value] of Object.entries(attributes)) {
    const problem = typeProblem(key, value, spec.required[key] ?? spec.optional[key]);
    if (problem) throw new InvalidArgumentError(`${where}: ${parsed.name} ${problem}.`);
  }
}

/** The distributions of `--search-space`, in the order written, checked as described above. */
export function parseSearchSpace(json: string): Record<string, Distribution> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new InvalidArgumentError(`--search-space is not JSON (${(err as Error).message}): ${json.slice(0, 200)}`);
  }
  if (!isObject(parsed)) {
    throw new InvalidArgumentError(`--search-space must be a JSON object of distributions, e.g. ${EXAMPLE}; got ${describe(parsed)}.`);
  }
  // Each distribution from its own text, which keeps Python's float mark on a categorical's choices.
  const members = rawObjectMembers(json) ?? [];
  return Object.fromEntries(
    members.map(([name, text]) => {
      checkDistributionJson(name, JSON.parse(text));
      return [name, distributionFromJson(text, name)];
    }),
  );
}
