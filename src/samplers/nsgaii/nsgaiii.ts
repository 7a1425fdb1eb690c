/**
 * NSGA-III (Deb & Jain 2014), Optuna 5.0's NSGAIIISampler: NSGA-II's generations and breeding, with
 * survival decided by reference points instead of crowding distance, which keeps a population spread
 * when many objectives leave most trials non-dominated. See referencePoints.ts for the survival step.
 */
import { showAsConstructed } from '../../constructedDisplay';
import { InvalidArgumentError } from '../../errors';
import type { FrozenTrial } from '../../frozenTrial';
import { optionKeys } from '../../options';
import type { StudyView } from '../../study/view';
import { deriveSeed } from '../../reproducibility/seeds';
import { Rng } from '../../rng';
import { intOr } from '../../validate';
import { NSGAII_OPTION_FIELDS, NSGAIISampler, type Member, type NSGAIISamplerOptions } from './sampler';
import { associateWithReferences, clipInfinities, defaultReferencePoints, normalizeObjectives, preserveNiches } from './referencePoints';

export interface NSGAIIISamplerOptions extends NSGAIISamplerOptions {
  /**
   * The points whose neighbourhoods survival favours, one row per point, one column per objective
   * (on the objectives' own scale after normalisation). Default: Das and Dennis's points spread
   * evenly on the unit simplex, `dividingParameter` divisions per axis.
   */
  referencePoints?: readonly (readonly number[])[];
  /** Divisions per axis of the default reference points (default 3, as Optuna). */
  dividingParameter?: number;
}

const NSGAIII_SAMPLER_OPTION_KEYS = optionKeys<NSGAIIISamplerOptions>({
  ...NSGAII_OPTION_FIELDS,
  referencePoints: true,
  dividingParameter: true,
});

export class NSGAIIISampler extends NSGAIISampler {
  protected static override readonly samplerName: string = 'NSGAIIISampler';
  protected static override readonly optionKeys: readonly string[] = NSGAIII_SAMPLER_OPTION_KEYS;
  protected static override readonly generationKey: string = 'NSGAIIISampler:generation';

  private referencePoints: number[][] | null;
  private readonly dividingParameter: number;

  constructor(opts: NSGAIIISamplerOptions = {}) {
    super(opts);
    showAsConstructed(this, 'NSGAIIISampler', [opts]);
    this.dividingParameter = intOr('NSGAIIISampler', 'dividingParameter', opts.dividingParameter, 3, 1);
    const given = opts.referencePoints;
    if (given !== undefined) {
      const width = Array.isArray(given) && Array.isArray(given[0]) ? given[0].length : 0;
      const valid =
        Array.isArray(given) &&
        given.length > 0 &&
        width > 0 &&
        given.every((row) => Array.isArray(row) && row.length === width && row.every(Number.isFinite));
      if (!valid) {
        throw new InvalidArgumentError(
          'NSGAIIISampler: referencePoints must be a non-empty list of rows of finite numbers, one column per objective, e.g. [[1, 0], [0.5, 0.5], [0, 1]].',
        );
      }
      if (given.some((row: readonly number[]) => row.every((v) => v === 0))) {
        throw new InvalidArgumentError('NSGAIIISampler: a reference point of all zeros has no direction; leave it out.');
      }
    }
    this.referencePoints = given ? given.map((row) => [...row]) : null;
  }

  /** Whole fronts while they fit (strictly, as Optuna), then the next front's members niche by niche. */
  protected override selectElite(study: StudyView, pool: FrozenTrial[]): Member[] {
    const { unique, fronts } = this.rankPool(study, pool);
    const elite: Member[] = [];
    for (let rank = 0; rank < fronts.length; rank++) {
      const front = fronts[rank];
      if (elite.length + front.length < this.populationSize) {
        for (const i of front) elite.push({ trial: unique[i], rank, crowding: 0 });
        continue;
      }
      const objectives = study.directions.length;
      if (this.referencePoints === null) this.referencePoints = defaultReferencePoints(objectives, this.dividingParameter);
      else if (this.referencePoints[0].length !== objectives) {
        throw new InvalidArgumentError(
          `NSGAIIISampler: the reference points have ${this.referencePoints[0].length} columns and the study ${objectives} objectives; give one column per objective.`,
        );
      }
      const candidates = [...elite.map((m) => m.trial), ...front.map((i) => unique[i])];
      const normalized = normalizeObjectives(clipInfinities(candidates.map((t) => t.values!)));
      const { closest, distance } = associateWithReferences(normalized, this.referencePoints);
      // The ties between niches are broken by a generator seeded from the pool itself, so two
      // processes that choose a generation's parents at once (before either has recorded them in the
      // study) choose the same.
      const tieBreak = new Rng(poolSeed(candidates));
      const chosen = preserveNiches(this.populationSize - elite.length, elite.length, front.length, closest, distance, tieBreak);
      for (const k of chosen) elite.push({ trial: unique[front[k]], rank, crowding: 0 });
      break;
    }
    return elite;
  }
}

/** A seed from the candidates' trial numbers, folded through the seed mixer trials' seeds use. */
function poolSeed(trials: readonly FrozenTrial[]): number {
  return trials.reduce((seed, t) => deriveSeed(seed, t.number), 0);
}
