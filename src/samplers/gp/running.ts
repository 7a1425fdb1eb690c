import type { Distribution } from '../../distributions';
import type { FrozenTrial } from '../../frozenTrial';
import { hasKey, setKey } from '../../dict';

/** System-attribute prefix under which Optuna's GPSampler shares a running trial's proposal. */
export const GP_RELATIVE_PARAMS_KEY = 'gp:relative_params';

/**
 * The internal values a running trial will take in `space`: what it has suggested so far, then the
 * relative proposal this process made for it (`own`), then the proposal an Optuna worker shared
 * as JSON of external values in the chunks `gp:relative_params:0`, `:1`... (a torn or foreign
 * record is ignored). Null unless every parameter of `space` is known, as Optuna only counts
 * running trials whose parameters cover the search space.
 */
export function runningParams(
  t: FrozenTrial,
  space: Record<string, Distribution>,
  own: Readonly<Record<string, number>> | undefined,
): Record<string, number> | null {
  const shared = own ? null : sharedProposal(t);
  const out: Record<string, number> = {};
  for (const [name, d] of Object.entries(space)) {
    if (hasKey(t.internalParams, name)) setKey(out, name, t.internalParams[name]);
    else if (own && hasKey(own, name)) setKey(out, name, own[name]);
    else if (shared && hasKey(shared, name)) {
      const v = toInternal(d, shared[name]);
      if (v === undefined) return null;
      setKey(out, name, v);
    } else return null;
  }
  return out;
}

function sharedProposal(t: FrozenTrial): Record<string, unknown> | null {
  const first = t.systemAttrs[`${GP_RELATIVE_PARAMS_KEY}:0`];
  if (typeof first !== 'string') return null;
  let text = first;
  for (let i = 1; ; i++) {
    const part = t.systemAttrs[`${GP_RELATIVE_PARAMS_KEY}:${i}`];
    if (typeof part !== 'string') break;
    text += part;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null; // a writer may be halfway through its chunks
  }
}

function toInternal(d: Distribution, value: unknown): number | undefined {
  if (d.kind === 'categorical') {
    const i = d.choices.findIndex((c) => c === value);
    return i < 0 ? undefined : i;
  }
  return typeof value === 'number' && value >= d.low && value <= d.high ? value : undefined;
}
