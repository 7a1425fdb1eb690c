import { distributionsEqual, type Distribution } from '../distributions';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import { ownValue, plainCopy, setKey } from '../dict';
import { FinishedTrialsRecord } from '../study/unfinishedTrials';

/** Whether a finished trial counts toward a search space: COMPLETE, or PRUNED when included. */
function counts(t: FrozenTrial, includePruned: boolean): boolean {
  return t.state === TrialState.COMPLETE || (includePruned && t.state === TrialState.PRUNED);
}

/**
 * The intersection narrowed by one trial's distributions: `space` without the parameters the trial
 * lacks or has with another distribution (in place), or the trial's own when there is none yet.
 */
function narrowed(space: Map<string, Distribution> | null, distributions: Record<string, Distribution>): Map<string, Distribution> {
  if (space === null) return new Map(Object.entries(distributions));
  for (const [name, d] of space) {
    const other = ownValue(distributions, name);
    if (!other || !distributionsEqual(d, other)) space.delete(name);
  }
  return space;
}

/** The intersection as a record, keys sorted (so the order never depends on history). */
function sortedRecord(space: Map<string, Distribution> | null): Record<string, Distribution> {
  const out: Record<string, Distribution> = {};
  if (space) for (const name of [...space.keys()].sort()) setKey(out, name, space.get(name)!);
  return out;
}

/**
 * The parameters that every finished trial used with the very same distribution (Optuna's
 * `IntersectionSearchSpace`). Relative samplers (QMC, CMA-ES, GP, multivariate TPE) model exactly
 * these. COMPLETE trials count; PRUNED ones too with `includePruned`. Until some trial has
 * finished the space is empty. Keys come back sorted, so the order never depends on history.
 */
export class IntersectionSearchSpace {
  private space: Map<string, Distribution> | null = null;
  private sortedMemo: Record<string, Distribution> | null = null;
  /**
   * The study's finished trials folded in once each (a sampler object may be reused across
   * studies: its space belongs to one study only).
   */
  private readonly record: FinishedTrialsRecord;

  constructor(opts: { includePruned?: boolean } = {}) {
    const includePruned = opts.includePruned ?? false;
    this.record = new FinishedTrialsRecord(
      (t) => {
        if (counts(t, includePruned)) this.fold(t);
      },
      () => {
        this.space = null;
        this.sortedMemo = null;
      },
    );
  }

  calculate(study: StudyView): Record<string, Distribution> {
    this.record.update(study);
    this.sortedMemo ??= sortedRecord(this.space);
    return plainCopy(this.sortedMemo);
  }

  private fold(t: FrozenTrial): void {
    // The space only shrinks once made: a change of size is a change.
    const size = this.space?.size ?? -1;
    this.space = narrowed(this.space, t.distributions);
    if (this.space.size !== size) this.sortedMemo = null;
  }
}

/** One-shot form of IntersectionSearchSpace over a list of trials (no cache). */
export function intersectionSearchSpace(
  trials: readonly FrozenTrial[],
  opts: { includePruned?: boolean } = {},
): Record<string, Distribution> {
  let space: Map<string, Distribution> | null = null;
  for (const t of trials) if (counts(t, opts.includePruned ?? false)) space = narrowed(space, t.distributions);
  return sortedRecord(space);
}

/**
 * Decomposes the parameters seen in finished trials into disjoint groups that always occur
 * together (Optuna's `_GroupDecomposedSearchSpace`, used by TPE's `group` option). With
 * conditional objectives (`if (kind === 'svm') suggest C ... else suggest depth ...`) the groups
 * are the branches, and multivariate TPE models each branch on its own trials.
 *
 * Adding a trial whose parameter set is P splits every group G into G∩P and G\P, and adds P minus
 * all known params as a new group. A parameter whose distribution changes between trials is
 * dropped from its group (it cannot be modelled jointly), as in Optuna.
 */
export class GroupDecomposedSearchSpace {
  private groups: Array<Map<string, Distribution>> = [];
  private memo: Array<Record<string, Distribution>> | null = null;
  /** The study's finished trials folded in once each (as `IntersectionSearchSpace`'s). */
  private readonly record: FinishedTrialsRecord;

  constructor(opts: { includePruned?: boolean } = {}) {
    const includePruned = opts.includePruned ?? false;
    this.record = new FinishedTrialsRecord(
      (t) => {
        if (!counts(t, includePruned)) return;
        this.memo = null;
        this.groups = addToGroups(this.groups, t.distributions);
      },
      () => {
        this.groups = [];
        this.memo = null;
      },
    );
  }

  calculate(study: StudyView): Array<Record<string, Distribution>> {
    this.record.update(study);
    if (this.memo === null) {
      this.memo = this.groups
        .filter((g) => g.size > 0)
        .map((g) => {
          const out: Record<string, Distribution> = {};
          for (const name of [...g.keys()].sort()) setKey(out, name, g.get(name)!);
          return out;
        })
        // Deterministic group order: by first parameter name.
        .sort((a, b) => (Object.keys(a)[0] < Object.keys(b)[0] ? -1 : 1));
    }
    return this.memo.map((g) => plainCopy(g));
  }
}

function addToGroups(
  groups: Array<Map<string, Distribution>>,
  distributions: Readonly<Record<string, Distribution>>,
): Array<Map<string, Distribution>> {
  const names = Object.keys(distributions);
  const out: Array<Map<string, Distribution>> = [];
  const known = new Set<string>();
  for (const g of groups) {
    const inside = new Map<string, Distribution>();
    const outside = new Map<string, Distribution>();
    for (const [name, d] of g) {
      known.add(name);
      const other = ownValue(distributions, name);
      if (other === undefined) outside.set(name, d);
      else if (distributionsEqual(d, other)) inside.set(name, d);
      // else: same name, different distribution: drop it from joint modelling.
    }
    if (inside.size > 0) out.push(inside);
    if (outside.size > 0) out.push(outside);
  }
  const fresh = new Map<string, Distribution>();
  for (const name of names) if (!known.has(name)) fresh.set(name, distributions[name]);
  if (fresh.size > 0) out.push(fresh);
  return out;
}

/** One-shot group decomposition over a list of trials (no cache). */
export function groupDecomposedSearchSpace(
  trials: readonly FrozenTrial[],
  opts: { includePruned?: boolean } = {},
): Array<Record<string, Distribution>> {
  let groups: Array<Map<string, Distribution>> = [];
  for (const t of trials) {
    if (!counts(t, opts.includePruned ?? false)) continue;
    groups = addToGroups(groups, t.distributions);
  }
  return groups
    .map((g) => {
      const out: Record<string, Distribution> = {};
      for (const name of [...g.keys()].sort()) setKey(out, name, g.get(name)!);
      return out;
    })
    .sort((a, b) => (Object.keys(a)[0] < Object.keys(b)[0] ? -1 : 1));
}
