/**
 * NSGA-II's mutations, as Optuna 5.0's `BaseMutation`: a mutation moves one numeric parameter's value
 * in Optuna's transformed space (a log parameter's logarithm, a discrete range widened by half a
 * step), given that space's bounds; the sampler clips the result to them and maps it back onto the
 * distribution. A parameter chosen for mutation without one (the default), and a categorical one
 * always, is drawn afresh at random instead.
 */
import { InvalidArgumentError } from '../../errors';
import { checkOptionKeys } from '../../options';
import type { BreedingRandom } from './crossovers';

/** What a mutation is given besides the value. */
export interface MutationContext {
  /** The parameter's [low, high] in the transformed space the value is given in. */
  readonly bounds: readonly [number, number];
  readonly rng: BreedingRandom;
  /** Whether the study has several objectives. */
  readonly multiObjective: boolean;
}

/** A mutation of one numeric value in the transformed space; write your own by implementing this. */
export interface Mutation {
  readonly name: string;
  mutation(value: number, context: MutationContext): number;
}

export interface PolynomialMutationOptions {
  /** Distribution index: larger keeps mutated values nearer the original (default 20). */
  eta?: number;
}

/**
 * Polynomial mutation as in Deb's NSGA-II code (revision 1.1.6), Optuna 5.0's PolynomialMutation: a
 * value moved by a polynomially distributed step whose two sides shrink with the distance to each
 * bound.
 */
export class PolynomialMutation implements Mutation {
  readonly name = 'PolynomialMutation';
  readonly eta: number;

  constructor(opts: PolynomialMutationOptions = {}) {
    checkOptionKeys(this.name, opts, ['eta']);
    const eta = opts.eta ?? 20;
    if (typeof eta !== 'number' || !(eta >= 0) || !Number.isFinite(eta)) {
      throw new InvalidArgumentError(`${this.name}: eta must be a finite number >= 0, got ${String(eta)}.`);
    }
    this.eta = eta;
  }

  mutation(value: number, { bounds: [low, high], rng }: MutationContext): number {
    const u = rng.random();
    const width = high - low;
    if (!(width > 0)) return value;
    const power = 1 / (this.eta + 1);
    // Each side's term uses one minus the distance to its bound (as a share of the width).
    if (u <= 0.5) {
      const room = 1 - (value - low) / width;
      return value + ((2 * u + (1 - 2 * u) * room ** (this.eta + 1)) ** power - 1) * width;
    }
    const room = 1 - (high - value) / width;
    return value + (1 - (2 * (1 - u) + 2 * (u - 0.5) * room ** (this.eta + 1)) ** power) * width;
  }
}

/**
 * The mutation an option selects: null for 'uniform' (draw afresh, Optuna's `mutation=None`), a
 * PolynomialMutation with `eta` for 'polynomial', or the caller's own object.
 */
export function mutationOf(where: string, mutation: unknown, eta: number | undefined): Mutation | null {
  if (mutation === undefined || mutation === 'uniform') {
    if (eta !== undefined)
      throw new InvalidArgumentError(`${where}: mutationEta applies to mutation: 'polynomial' only; give it with that mutation.`);
    return null;
  }
  if (mutation === 'polynomial') {
    if (eta !== undefined && !(typeof eta === 'number' && eta >= 0 && Number.isFinite(eta))) {
      throw new InvalidArgumentError(`${where}: mutationEta must be a number >= 0, got ${String(eta)}.`);
    }
    return new PolynomialMutation({ eta });
  }
  const m = mutation as Partial<Mutation> | null;
  if (typeof m === 'object' && m !== null && typeof m.mutation === 'function') {
    if (eta !== undefined) {
      throw new InvalidArgumentError(
        `${where}: mutationEta applies to mutation: 'polynomial' only; give a mutation object its own options (new PolynomialMutation({ eta })).`,
      );
    }
    return m as Mutation;
  }
  throw new InvalidArgumentError(
    `${where}: mutation must be 'uniform', 'polynomial' or an object with mutation(value, context) (such as new PolynomialMutation()), got ${typeof mutation === 'string' ? `'${mutation}'` : String(mutation)}.`,
  );
}
