import type { ContinuousModel, NumericModel, ParamModel, ParzenEstimatorParameters } from './parzenEstimator';
import { allContinuous, forward, kernelBandwidth, magicClipFloor } from './parzenEstimator';
import { kernelLogHeight, logSumProductKernels, packPairs, pairsLength, type ProductKernels } from './productKernelSum';
import { FasterOfTwo } from './fasterOfTwo';
import { HermiteCells } from './hermiteCells';
import { HermiteLine } from './hermiteLine';
import { NearFirstGrid, ProductGridTerms } from './nearFirstGrid';
import { argmaxRatio, NearFirstPairs } from './nearFirstSum';
import { MixedKernelSum, type MixedGridTerms, type MixedKernels } from './mixedKernelSum';
import { logNormalMass } from './truncnorm';
import { defaultWeightAt, scatterDefaultWeights } from './weights';
import { mapPacked } from '../../packedArrays';

/** Observations below which the caller builds from scratch (a handful of kernels: cheap either way). */
export const JOINT_INCREMENTAL_MIN = 16;

/**
 * `bestRatio` walks the kernels at most this many clip floors wide in both parameters in bands of
 * the second, in the order of their first means; the wider ones (few: a gap that wide is a sparse
 * stretch; 3 of 5,000 on average in an organic 10,000-trial run) it sums one by one.
 */
const NEAR_BANDWIDTH = 1.5;

/**
 * The width of the bands of the second parameter that `bestRatio` walks, in widths of its widest
 * narrow kernel (about 34 bands once the clip's floor is range/100; 1 and 4 measured the same).
 */
const BAND_WIDTH = 2;

/** Kernels from which `bestRatio` walks rather than summing every candidate's terms. */
const NEAR_FIRST_FROM = 200;

/**
 * Observations from which `bestRatio` may screen the candidates instead (`screen`): bound every
 * candidate's sum through the Hermite cells (hermiteCells.ts), whose cost does not grow with the
 * history, and walk only the candidates those bounds cannot tell from the best. It screens when
 * that has been faster (FasterOfTwo): in a crowded basin, where the walk must visit most terms
 * near every close candidate, the screen took 0.41 against 1.17 ms a choice at 10,000
 * observations (an organic Branin run) and 0.27 against 0.39 at 3,000; over 9,000 random trials,
 * where the candidates' scores stand apart and the walk drops the losers early, 0.42 against 0.24.
 */
const CELLS_FROM = 2500;

/**
 * Kernel visits per choice (a running average over the walk's choices) below which `bestRatio`
 * does not try the screen at all. Where the walk visits few kernels (the candidates' scores stand
 * apart), it is the faster, and trying the screen costs its set-up and, at each rank shift, the
 * moments of every later kernel: after 9,000 random trials a walked choice made 2,800 visits and
 * took 0.24 ms, and the screen's first two uses took 22-52 ms each (a 300-trial window cost 1.3-1.4
 * ms/trial against 0.75-1.0). In an organic run the walk made 17,800 visits a choice at 3,000
 * observations (0.39 ms, against the screen's 0.27) and 75,000 at 10,000.
 */
const SCREEN_FROM_VISITS = 8000;

/**
 * The screen's rounds: the relative precision asked of the bounds on each candidate's sum. In an
 * organic run (trials 2,000-6,000), bounds within 3e-3 leave 1.8 candidates on average (5.4 after a
 * first round of 1e-2, which made the choice slower), and after the three rounds one is left in
 * 99.5% of the choices.
 */
const PRECISIONS = [3e-3, 1e-4, 1e-7];

/** The ways `bestRatio` may choose from CELLS_FROM observations (FasterOfTwo's ways 0 and 1). */
const SCREEN = 0;
const WALK = 1;

/** How much lower than the best a candidate's score must be proven before the screen drops it. */
const SCREEN_MARGIN = 1e-9;

/**
 * Kernels from which `bestRatio` races the candidates through the grid (nearFirstGrid.ts) with three
 * or more continuous parameters or a mixed space, rather than summing every candidate's terms (in
 * the mixed space of the benchmark, 1,000-trial studies cost the same either way; from the second
 * thousand trials on the race is the faster).
 */
const GRID_FROM = 200;

/**
 * Observations from which a mixed space of one or two continuous parameters and categorical ones
 * may screen the candidates through Hermite moments kept per combination of choices (the Hermite
 * line, hermiteLine.ts, or the grouped Hermite cells, hermiteCells.ts) rather than race them
 * through the grid (whichever has been the faster: FasterOfTwo). The race's cost grows with the
 * crowd in the cells one or two parameters spread it over; the screen's does not.
 */
const GROUPED_FROM = 500;

/**
 * The most combinations of categorical choices the grouped screen keeps apart (each has its
 * moments per cell), with one continuous parameter and with two. A candidate's bounds read every
 * group's cells near it, 9 per group on a line and 81 in two dimensions: with two floats and 64
 * groups (two categoricals of 8 choices) the screen never caught up with the race over 5,000
 * trials (0.26 against 0.24 ms a trial over the last 1,000, the race's cost flat there), while
 * on a line 48 groups cost 0.36 against 0.69 over trials 3,200-4,000 and 12 cost 0.24 against 0.84.
 */
const MAX_LINE_GROUPS = 64;
const MAX_CELL_GROUPS = 16;

/** Observations from which the magic clip's floor stops moving (`magicClipFloor` is range/100). */
const FLOOR_FIXED_FROM = 98;

/**
 * TPE's "above" density g(x) over several parameters jointly (the default, multivariate TPE),
 * maintained across trials instead of rebuilt every trial: continuous parameters, or a mixed space
 * (see below).
 *
 * The model is the from-scratch joint estimator's (`ParzenEstimator` with every parameter
 * continuous): one product kernel per above observation, each parameter's bandwidth the larger gap
 * to its sorted neighbours among the observations, clipped to [range/min(100, m + 2), range] for m
 * observations, the prior kernel, and Optuna's default weight ramp over time order. Bandwidths and
 * truncation masses are computed by the same expressions, so the kernels are bit-identical; both
 * are summed by `logSumProductKernels`, in another order (log densities agree to rounding; the
 * tests hold them within 1e-11).
 *
 * Why it pays. Rebuilding costs a sort and a truncation mass per parameter and kernel every trial;
 * between two trials the above set usually gains one trial, and sometimes a trial moves between
 * the good and bad groups. Adding or removing one observation changes the bandwidths of only its
 * sorted neighbours in each parameter, so `sync` updates just those kernels; the weights (which
 * move every trial) are refreshed in one cheap pass. What is left per trial is the sum itself.
 * Below 98 observations the clip's floor moves with their count, so every bandwidth is re-checked
 * (a pass of subtractions) and the clipped kernels are recomputed: early in a study that is most
 * of them (three in four, on average over the first 100 trials of Branin), but a rebuild would also
 * sort, and compute every truncation mass.
 *
 * Discrete and categorical parameters (a mixed space) are held the same way: a discrete
 * parameter's kernels are numeric ones (their bandwidths follow the same rule, in the bounds widened
 * by half a step), a categorical one's hold the observed choice. Such a mixture is summed by
 * `MixedKernelSum` (mixedKernelSum.ts) rather than as product kernels, and TPE's choice races the
 * candidates through a grid of its first three numeric parameters (nearFirstGrid.ts) as with three
 * continuous ones. With only one or two numeric parameters, both continuous (an optimiser, its
 * learning rate, a momentum), the grid spreads a converging study's crowd over too few cells; there
 * the candidates may be screened first through Hermite moments kept per combination of categorical
 * choices (`groupedScreen`).
 *
 * Layout: slot 0 holds the prior kernel; slots 1..m the observations in no particular order (a
 * removal moves the last slot into the hole). Per parameter, `sorted` lists the slots by
 * (mean, trial number), the order of the from-scratch estimator's stable sort; `byTime` lists them
 * by trial number (the weights' ranks).
 */
export class IncrementalJointAbove implements ProductKernels {
  mus: Float64Array[];
  curvatures: Float64Array[];
  logHeights: Float64Array;
  weights: Float64Array;
  count = 1;
  maxLogHeight = -Infinity;
  logWeightSpread = 0;
  /** The observations' largest weight (`refreshWeights`). */
  private maxObservationWeight = 0;
  /**
   * Whether `maxLogHeight` must be found again (a pass over the kernels): only when a kernel at it
   * left or lowered its height, since a higher one raises it as it is set. Heights fall only as
   * bandwidths widen, which kernels joining never make them do: late in a study the pass is rare.
   */
  private heightsStale = true;

  /**
   * Per slot, a number that changes whenever the slot's kernel does (joins, moves, or changes a
   * bandwidth): what `MixedKernelSum` caches per kernel is valid while it is the same.
   */
  private stamps: Int32Array;
  private clock = 0;
  /** The slots stamped since `MixedKernelSum` last read the kernels (a mixed space); else it compares every slot's stamp. */
  private readonly mixedChanged = new ChangedSlots();
  /** Per parameter and slot, sigma and 1/sigma (the curvature is half its square). */
  private sigmas: Float64Array[];
  private invs: Float64Array[];
  /** Per parameter and slot, the log truncation mass; NaN while stale (see `refreshDirty`). */
  private logZs: Float64Array[];
  private numbers: Int32Array;
  private sorted: Int32Array[];
  private byTime: Int32Array;
  private totalWeight = 0;
  /** The observations' weights alone, added in time order (a mixed space's total, `MixedKernels`). */
  private observationsWeight = 0;
  private readonly dirty: number[] = [];
  /** Changed whenever a kernel leaves or the kernels are renumbered (a rebuild): see NearFirstPairs.pack. */
  private layout = 0;
  private isDirty: Uint8Array;
  private scratch: Float64Array;
  /** The kernels in `packPairs`'s layout, packed anew for each batch of points (two parameters). */
  private pairs: Float64Array | undefined;
  /** Two parameters: the kernels packed for `bestRatio`, and the points in the modelling space. */
  private nearFirst: NearFirstPairs | undefined;
  /**
   * Three or more continuous parameters, or a mixed space with a numeric one: the kernels by cell of
   * a grid over the first three numeric parameters (`gridParams`) for `bestRatio`.
   */
  private grid: NearFirstGrid | undefined;
  private readonly gridParams: number[] = [];
  private points: Float64Array[] = [];
  /** Two parameters, from CELLS_FROM observations: the crowded kernels' Hermite cells, and the screen's scratch. */
  private cells: HermiteCells | undefined;
  /**
   * A mixed space of one or two continuous parameters and categorical ones, from GROUPED_FROM
   * observations: the crowded kernels' moments per combination of choices (`groupedScreen`), on a
   * line (one continuous parameter) or in cells (two). `groupStrides[j]`: what categorical parameter
   * j's choice counts for in a kernel's group number (0 for a continuous one); `groups` the number
   * of groups, 0 when the space is not of that form. `cellHeights`: the grouped cells' view of the
   * kernels' heights (the floor kernel's, less the two truncation masses).
   */
  private line: HermiteLine | undefined;
  private groupCells: HermiteCells | undefined;
  private readonly groupStrides: number[] = [];
  private groups = 0;
  private cellHeights = new Float64Array(0);
  /** The screens' scratch for a candidate's bounds. */
  private readonly screenBounds = new Float64Array(2);
  /** The time rank of the kernel in `slot` (the Hermite moments' ramp weights read it). */
  private readonly rankOfSlot = (slot: number): number => this.timePosition(this.numbers[slot], this.count - 1);
  private screenLow = new Float64Array(0);
  private screenHigh = new Float64Array(0);
  private screenExact = new Float64Array(0);
  /**
   * What changed for the Hermite cells (two parameters) or the grid (three or more) since their
   * last sync: the slots whose kernels joined or changed, unless ranks moved or kernels left or
   * were renumbered (then they look at every kernel).
   */
  private readonly cellsTouched = new ChangedSlots();
  /** Kernels visited per choice by the walk over every candidate (a running average over about 16). */
  private walkVisits = NaN;
  /** From CELLS_FROM observations, the screen's and the walk's times so far. */
  private readonly faster = new FasterOfTwo();
  private readonly d: number;
  /** The parameters when all are continuous (the product-kernel paths), else null. */
  private readonly continuous: readonly ContinuousModel[] | null;
  /** The indices of the numeric parameters (those with sorted orders and bandwidths). */
  private readonly numeric: number[] = [];
  /** A mixed space's sums (null when every parameter is continuous). */
  private readonly mixed: MixedKernelSum | null;

  /**
   * @param params the estimators' parameters: default weights and the magic clip.
   * @param choice how `bestRatio` chooses from CELLS_FROM observations (two parameters): by the
   *   faster of the screen and the walk so far, or always by one of them (tests pin it).
   */
  constructor(
    private readonly models: readonly ParamModel[],
    private readonly params: ParzenEstimatorParameters,
    private readonly choice: 'faster' | 'screen' | 'walk' = 'faster',
  ) {
    this.d = models.length;
    this.continuous = allContinuous(models) ? models : null;
    this.mixed = this.continuous ? null : new MixedKernelSum(models, params.priorWeight);
    models.forEach((m, j) => {
      if (m.kind === 'numeric') this.numeric.push(j);
    });
    const cap = 256;
    this.mus = mapPacked(models, () => new Float64Array(cap));
    this.sigmas = mapPacked(models, () => new Float64Array(cap));
    this.invs = mapPacked(models, () => new Float64Array(cap));
    this.curvatures = mapPacked(models, () => new Float64Array(cap));
    this.logZs = mapPacked(models, () => new Float64Array(cap));
    this.logHeights = new Float64Array(cap);
    this.weights = new Float64Array(cap);
    this.numbers = new Int32Array(cap);
    this.sorted = mapPacked(models, () => new Int32Array(cap));
    this.byTime = new Int32Array(cap);
    this.isDirty = new Uint8Array(cap);
    this.stamps = new Int32Array(cap);
    this.scratch = new Float64Array(cap);
    const pairs = this.continuous !== null && this.d === 2;
    this.pairs = pairs ? new Float64Array(pairsLength(cap)) : undefined;
    this.nearFirst = pairs ? new NearFirstPairs(cap) : undefined;
    models.forEach((m, j) => {
      if (m.kind === 'numeric' && this.gridParams.length < 3) this.gridParams.push(j);
    });
    const gridded = this.continuous !== null ? this.d >= 3 : this.gridParams.length > 0;
    this.grid = gridded ? new NearFirstGrid() : undefined;
    // Every numeric parameter continuous, one or two of them, in a mixed space: the rest are categorical.
    const continuousOnly = this.numeric.every((j) => (models[j] as NumericModel).q === null);
    if (this.mixed && continuousOnly && (this.numeric.length === 1 || this.numeric.length === 2)) {
      let groups = 1;
      for (const m of models) {
        this.groupStrides.push(m.kind === 'categorical' ? groups : 0);
        if (m.kind === 'categorical') groups *= m.nChoices;
      }
      if (groups <= (this.numeric.length === 1 ? MAX_LINE_GROUPS : MAX_CELL_GROUPS)) this.groups = groups;
    }
    // The prior kernel: the centre of the range, the whole range as bandwidth (a categorical
    // parameter's: uniform over the choices, marked by the choice -1).
    models.forEach((m, j) => {
      if (m.kind === 'categorical') {
        this.mus[j][0] = -1;
        return;
      }
      const range = m.high - m.low;
      this.mus[j][0] = 0.5 * (m.low + m.high);
      this.sigmas[j][0] = range;
      this.invs[j][0] = 1 / range;
      this.curvatures[j][0] = 0.5 * this.invs[j][0] * this.invs[j][0];
      this.logZs[j][0] = logNormalMass(m.low, m.high, this.mus[j][0], range);
    });
    if (this.continuous) this.logHeights[0] = kernelLogHeight(this.invs, this.logZs, 0);
    this.numbers[0] = -1;
    this.stamp(0);
  }

  /** Observations held (the prior kernel not counted). */
  get size(): number {
    return this.count - 1;
  }

  /**
   * Make the density that of the observations `numbers` (ascending trial numbers, `count` of them)
   * with internal values `values[j][r]`. Trials already held are assumed unchanged (finished
   * trials' values are final). Cheap when few trials joined or left; a large change rebuilds.
   * @param unchanged how many leading entries are known to be those of the previous call's list
   *   (the caller's split says so), which then need no comparing
   */
  sync(numbers: Int32Array, values: readonly Float64Array[], count: number, unchanged = 0): void {
    const m = this.count - 1;
    // Diff the held trials (in time order) against the new list, after the first `unchanged`.
    const removed: number[] = [];
    const added: number[] = [];
    let a = Math.min(unchanged, m);
    let b = a;
    while (a < m || b < count) {
      const held = a < m ? this.numbers[this.byTime[a]] : Infinity;
      const wanted = b < count ? numbers[b] : Infinity;
      if (held === wanted) {
        a++;
        b++;
      } else if (held < wanted) {
        removed.push(this.byTime[a++]);
      } else {
        added.push(b++);
      }
    }
    if (removed.length + added.length > 32 + (m >> 4)) {
      this.rebuild(numbers, values, count);
    } else if (removed.length + added.length > 0) {
      // Remove the highest slots first, so a slot moved into a hole is never one still to remove.
      removed.sort((x, y) => y - x);
      for (const slot of removed) this.remove(slot);
      for (const r of added) this.insert(numbers[r], values, r);
      // The clip's floor may have moved (on the way too: removals come first), and the neighbours
      // refreshed above may have used an intermediate one: re-check every bandwidth at the final.
      if (m - removed.length < FLOOR_FIXED_FROM) this.refreshAllBandwidths();
      this.refreshDirty();
    }
    this.refreshWeights();
  }

  /** log g(x) of each joint sample (internal values, one array per parameter). */
  logPdf(samples: readonly Float64Array[], out?: Float64Array): Float64Array {
    const size = samples.length > 0 ? samples[0].length : 0;
    out ??= new Float64Array(size);
    if (this.mixed) {
      this.mixed.logPdf(this.mixedView(), samples, out);
      this.mixedRead();
      return out;
    }
    const y = new Float64Array(this.d);
    const logTotal = Math.log(this.totalWeight);
    // The kernels changed since the last batch (a trial at least): packed once for this one.
    const pairs = this.pairs && packPairs(this, this.pairs);
    for (let s = 0; s < size; s++) {
      for (let j = 0; j < this.d; j++) y[j] = forward(this.models[j], samples[j][s]);
      out[s] = logSumProductKernels(this, y, this.scratch, pairs) - logTotal;
    }
    return out;
  }

  /**
   * The index of the sample with the largest logL[s] - log g(x_s), the first among equals: what an
   * argmax over `logPdf` gives. With two continuous parameters, most losing samples' sums are left
   * unfinished (nearFirstSum.ts), and from CELLS_FROM observations most are not summed at all
   * (`screen`); with three or more, or in a mixed space, from GRID_FROM kernels, the losers' sums are
   * bounded and left unfinished through a grid (nearFirstGrid.ts).
   */
  bestRatio(samples: readonly Float64Array[], logL: Float64Array, logG: Float64Array): number {
    // A small mixture is summed whole: the walk's set-up costs more than it saves there (so is a
    // mixed space's without a numeric parameter).
    if (this.grid ? this.count < GRID_FROM : this.mixed || this.count < NEAR_FIRST_FROM)
      return argmaxRatio(logL, this.logPdf(samples, logG));
    if (this.grid) return this.gridRatio(this.grid, samples, logL);
    const models = this.continuous!;
    const size = logL.length;
    if (this.points.length !== this.d || this.points[0].length < size) this.points = mapPacked(models, () => new Float64Array(size));
    for (let j = 0; j < this.d; j++) for (let s = 0; s < size; s++) this.points[j][s] = forward(models[j], samples[j][s]);
    if (this.count - 1 < CELLS_FROM || (this.choice === 'faster' && !(this.walkVisits >= SCREEN_FROM_VISITS))) {
      return this.walk(logL, null);
    }
    // The cells follow the kernels at every choice from here, whichever way makes it, so that the
    // screen's time is that of its steady use (catching up after a run of walked choices, with the
    // ranks that moved meanwhile, took 1.2-13 ms at the screen's first few uses in an organic run,
    // against 0.45-0.5 ms for a steady choice, and kept it from being used until 6,000 trials).
    if (this.choice !== 'walk') this.syncCells();
    const way = this.choice === 'faster' ? this.faster.pick() : this.choice === 'screen' ? SCREEN : WALK;
    const start = performance.now();
    const best = way === SCREEN ? this.screenThenWalk(logL) : this.walk(logL, null);
    this.faster.record(way, performance.now() - start);
    return best;
  }

  /**
   * `bestRatio` through the grid over the first three numeric parameters. A discrete parameter's
   * cells are a value wide where a step is wider than the grid's cells would be (a layer count's
   * kernels at the clip's floor see little of the next value: one cell per value lets the race
   * reach it in one ring), and a candidate stands for its value's cell there (the bounds measure
   * from the cell's edges).
   */
  private gridRatio(grid: NearFirstGrid, samples: readonly Float64Array[], logL: Float64Array): number {
    const m = this.count - 1;
    const gridParams = this.gridParams;
    const models = mapPacked(gridParams, (j) => this.models[j] as NumericModel);
    // The candidates in the modelling space, every parameter (the terms read them) and the grid's.
    const modelled = mapPacked(this.models, (model, j) => Float64Array.from(samples[j], (x) => forward(model, x)));
    const points = mapPacked(gridParams, (j) => modelled[j]);
    const halfWidths = mapPacked(models, (model, g) => {
      const q = model.q;
      if (q === null) return null;
      const y = points[g];
      // The wider side of a log integer's cell (the lower one).
      return Float64Array.from(samples[gridParams[g]], (x, s) => (model.log ? y[s] - Math.log(x - 0.5 * q) : 0.5 * q));
    });
    // A mixed space's constants and pairs first: the grid packs them. Pairs numbered afresh change
    // every kernel's record.
    const view = this.mixed ? this.mixedView() : null;
    const renumbered = this.mixed ? this.mixed.prepare(view!) : false;
    if (this.mixed) this.mixedRead();
    // The grid keeps its kernels' data packed for the terms: a mixed space's, or a product mixture
    // over the grid's parameters alone.
    const packer = this.mixed
      ? this.mixed.gridPacker(view!)
      : this.d === 3 && gridParams.length === 3
        ? ProductGridTerms.packer(this)
        : undefined;
    // The grouped screen, where the space has one, follows the kernels at every choice from
    // GROUPED_FROM on, whichever way makes it (as the Hermite cells do: see `bestRatio`).
    const grouped = this.groups > 0 && m >= GROUPED_FROM;
    if (grouped) this.makeGrouped(m);
    this.takeTouched((touched) => {
      grid.sync(
        {
          count: this.count,
          mus: mapPacked(gridParams, (j) => this.mus[j]),
          curvatures: mapPacked(gridParams, (j) => this.curvatures[j]),
          packer,
        },
        renumbered ? null : touched,
        mapPacked(models, (model) => model.low),
        mapPacked(models, (model) => model.high),
        mapPacked(models, (model) => magicClipFloor(model.high - model.low, m)),
        mapPacked(models, (model) => (model.q !== null && !model.log ? model.q : 0)),
      );
      if (grouped) this.syncGrouped(touched);
    });
    if (this.mixed) {
      const terms = this.mixed.gridTerms(view!, samples, modelled);
      if (!grouped) return grid.bestRatio(terms, points, logL, 0, halfWidths);
      const way = this.choice === 'faster' ? this.faster.pick() : this.choice === 'screen' ? SCREEN : WALK;
      const start = performance.now();
      let best: number;
      if (way === WALK) {
        best = grid.bestRatio(terms, points, logL, 0, halfWidths);
      } else {
        const kept = this.groupedScreen(terms, modelled, logL);
        best = kept.length === 1 ? kept[0] : this.raceAmong(grid, kept, samples, modelled, logL);
      }
      this.faster.record(way, performance.now() - start);
      return best;
    }
    const terms = new ProductGridTerms(this, modelled, this.scratch, this.maxObservationWeight);
    return grid.bestRatio(terms, points, logL, Math.log(this.totalWeight));
  }

  /**
   * The candidates that may have the best score, in a mixed space of one or two continuous
   * parameters and categorical ones (the line or the grouped cells synced): every candidate whose
   * score is proven lower than another's by more than SCREEN_MARGIN, by bounds on its sum (the
   * crowded kernels' through the line or the cells, per group times the group's categorical factor
   * at the candidate; the others' exactly, by the race's own terms), is left out. Every candidate
   * when the screen cannot tell (a sum so small it might underflow). As `screen`, in the race's
   * scale (log g = top + log sum).
   */
  private groupedScreen(terms: MixedGridTerms, modelled: readonly Float64Array[], logL: Float64Array): number[] {
    const size = logL.length;
    const groups = this.groups;
    const { line, groupCells: cells } = this;
    const held = (line ?? cells)!;
    const y0 = modelled[this.numeric[0]];
    const y1 = cells ? modelled[this.numeric[1]] : y0;
    // Per candidate and group, the factor a held kernel of the group is multiplied by in the race's
    // terms: e^(its categorical terms + the floor kernel's height - the terms' bound), its
    // truncation masses and weight being in the held sums.
    const factors = Array.from({ length: size }, () => new Float64Array(groups));
    const choiceLogs = this.mixed!.choiceLogs;
    for (let s = 0; s < size; s++) {
      for (let g = 0; g < groups; g++) {
        let logs = held.logFloorHeight - terms.bound;
        for (let j = 0; j < this.d; j++) {
          const stride = this.groupStrides[j];
          if (stride === 0) continue;
          const [logHit, logMiss] = choiceLogs[j]!;
          const choice = Math.floor(g / stride) % (this.models[j] as { nChoices: number }).nChoices;
          logs += choice === modelled[j][s] ? logHit : logMiss;
        }
        factors[s][g] = Math.exp(logs);
      }
    }
    return this.screenRounds(
      logL,
      terms.scale,
      (sum) => terms.top + Math.log(sum),
      // The kernels not held (the prior, the newest, the wide ones), by the race's own terms.
      (s) => terms.addTerms(held.direct, 0, held.directCount, s, 0),
      (s, precision, out) => {
        if (line) line.bounds(y0[s], factors[s], precision, out);
        else cells!.bounds(y0[s], y1[s], precision, out, factors[s]);
      },
    );
  }

  /**
   * The screens' rounds of growing precision (PRECISIONS), each over the candidates the last one
   * could not rule out. A candidate's sum is `scale` times the held kernels' bounds
   * (`heldBounds(s, precision, out)`) plus the others' exact sum (`exactOf(s)`, asked once per
   * candidate), and `logG` its log g. Returns the candidates not proven to score lower than another
   * by more than SCREEN_MARGIN; every candidate when a sum might underflow.
   */
  private screenRounds(
    logL: Float64Array,
    scale: number,
    logG: (sum: number) => number,
    exactOf: (s: number) => number,
    heldBounds: (s: number, precision: number, out: Float64Array) => void,
  ): number[] {
    const size = logL.length;
    const all = Array.from({ length: size }, (_, s) => s);
    if (this.screenLow.length < size) {
      this.screenLow = new Float64Array(size);
      this.screenHigh = new Float64Array(size);
      this.screenExact = new Float64Array(size);
    }
    const bounds = this.screenBounds;
    let kept = all;
    for (const precision of PRECISIONS) {
      let best = -Infinity;
      for (const s of kept) {
        if (precision === PRECISIONS[0]) this.screenExact[s] = exactOf(s);
        const exact = this.screenExact[s];
        heldBounds(s, precision, bounds);
        const low = scale * bounds[0] + exact * (1 - 1e-12);
        const high = scale * bounds[1] + exact * (1 + 1e-12);
        if (!(low > 1e-250) || !(high < Infinity)) return all;
        this.screenLow[s] = logL[s] - logG(high);
        this.screenHigh[s] = logL[s] - logG(low);
        if (this.screenLow[s] > best) best = this.screenLow[s];
      }
      kept = kept.filter((s) => !(this.screenHigh[s] < best - SCREEN_MARGIN));
      if (kept.length === 1) break;
    }
    return kept;
  }

  /** The race through the grid over the candidates `among` only, in their order (so the first among equals stays first). */
  private raceAmong(
    grid: NearFirstGrid,
    among: number[],
    samples: readonly Float64Array[],
    modelled: readonly Float64Array[],
    logL: Float64Array,
  ): number {
    const pick = (x: Float64Array): Float64Array => Float64Array.from(among, (s) => x[s]);
    const subModelled = mapPacked(modelled, pick);
    const terms = this.mixed!.gridTerms(this.mixedView(), mapPacked(samples, pick), subModelled);
    const points = mapPacked(this.gridParams, (j) => subModelled[j]);
    return among[
      grid.bestRatio(
        terms,
        points,
        pick(logL),
        0,
        mapPacked(this.gridParams, () => null),
      )
    ];
  }

  /**
   * The grouped screen's moments for the clip's floor at m observations: the Hermite line (one
   * continuous parameter) or the grouped cells (two), made when first needed, or anew if the floor
   * moved.
   */
  private makeGrouped(m: number): void {
    const models = mapPacked(this.numeric, (j) => this.models[j] as NumericModel);
    const floors = mapPacked(models, (model) => magicClipFloor(model.high - model.low, m));
    if (models.length === 1) {
      if (!this.line || this.line.floor !== floors[0]) this.line = new HermiteLine(models[0].low, models[0].high, floors[0], this.groups);
    } else if (!this.groupCells || this.groupCells.floor0 !== floors[0] || this.groupCells.floor1 !== floors[1]) {
      const [a, b] = models;
      this.groupCells = new HermiteCells(a.low, a.high, b.low, b.high, floors[0], floors[1], this.groups);
    }
  }

  /** The grouped screen's moments brought up to date with the kernels (`touched` as `takeTouched` gives it). */
  private syncGrouped(touched: readonly number[] | null): void {
    const strides = this.groupStrides;
    const mus = this.mus;
    const groupOf = (slot: number): number => {
      let g = 0;
      for (let j = 0; j < strides.length; j++) if (strides[j] > 0) g += strides[j] * mus[j][slot];
      return g;
    };
    const rankOf = this.rankOfSlot;
    const [j0, j1] = this.numeric;
    const { count, numbers, byTime, sigmas, logZs } = this;
    if (this.line) {
      this.line.sync({ count, mus: mus[j0], sigmas: sigmas[j0], logZs: logZs[j0], groupOf, numbers, byTime, rankOf }, touched);
      return;
    }
    const cells = this.groupCells!;
    // The cells read a kernel's height relative to a floor kernel's (its e_i): here that of its two
    // continuous parameters, the floor kernel's less their truncation masses.
    if (this.cellHeights.length < count) this.cellHeights = new Float64Array(2 * count);
    const heights = this.cellHeights;
    const reference = cells.logFloorHeight;
    for (let i = 1; i < count; i++) heights[i] = reference - logZs[j0][i] - logZs[j1][i];
    cells.sync(
      { count, mus: [mus[j0], mus[j1]], logHeights: heights, sigmas: [sigmas[j0], sigmas[j1]], numbers, byTime, rankOf, groupOf },
      touched,
    );
  }

  /** What a mixed space's sums read of the kernels (fresh each time: the arrays are replaced as they grow). */
  private mixedView(): MixedKernels {
    const { count, mus, sigmas, logZs, weights, observationsWeight, byTime, stamps } = this;
    return { count, mus, sigmas, logZs, weights, observationsWeight, byTime, stamps, changed: this.mixedChanged.list };
  }

  /** `MixedKernelSum` has read the kernels as they are: the next changes are listed afresh. */
  private mixedRead(): void {
    this.mixedChanged.clear();
  }

  /** The Hermite cells brought up to date with the kernels (made when first needed, or anew if the clip's floor moved). */
  private syncCells(): void {
    const m = this.count - 1;
    const [model0, model1] = this.continuous!;
    const floor0 = magicClipFloor(model0.high - model0.low, m);
    const floor1 = magicClipFloor(model1.high - model1.low, m);
    if (!this.cells || this.cells.floor0 !== floor0 || this.cells.floor1 !== floor1) {
      this.cells = new HermiteCells(model0.low, model0.high, model1.low, model1.high, floor0, floor1);
    }
    const cells = this.cells;
    this.takeTouched((touched) =>
      cells.sync(
        {
          count: this.count,
          mus: this.mus,
          logHeights: this.logHeights,
          sigmas: this.sigmas,
          numbers: this.numbers,
          byTime: this.byTime,
          rankOf: this.rankOfSlot,
        },
        touched,
      ),
    );
  }

  /**
   * Hands what changed since the last sync to `sync` (the Hermite cells' or the grid's): the touched
   * slots, or null when every kernel must be looked at; then starts afresh.
   */
  private takeTouched(sync: (touched: readonly number[] | null) => void): void {
    sync(this.cellsTouched.list);
    this.cellsTouched.clear();
  }

  /** `bestRatio` by the screen, and the walk over the candidates it keeps if more than one. */
  private screenThenWalk(logL: Float64Array): number {
    const kept = this.screen(logL);
    if (kept.length === 1) return kept[0];
    return this.walk(logL, kept.length === logL.length ? null : kept);
  }

  /** `bestRatio` by the near-first walk (nearFirstSum.ts), over the candidates `among` (null: all). */
  private walk(logL: Float64Array, among: number[] | null): number {
    const nearFirst = this.nearFirst!;
    // Kernels at most NEAR_BANDWIDTH clip floors wide in each parameter are walked in order.
    const [model0, model1] = this.continuous!;
    const widest0 = NEAR_BANDWIDTH * magicClipFloor(model0.high - model0.low, this.count - 1);
    const widest1 = NEAR_BANDWIDTH * magicClipFloor(model1.high - model1.low, this.count - 1);
    nearFirst.pack(
      this,
      this.sorted[0],
      this.layout,
      0.5 / (widest0 * widest0),
      0.5 / (widest1 * widest1),
      model1.low,
      model1.high,
      BAND_WIDTH * widest1,
    );
    const logTotal = Math.log(this.totalWeight);
    if (among === null) {
      const visits = nearFirst.visits;
      const best = nearFirst.bestRatio(this, this.points, logL, logTotal, this.scratch);
      const made = nearFirst.visits - visits;
      this.walkVisits = Number.isNaN(this.walkVisits) ? made : this.walkVisits + (made - this.walkVisits) / 16;
      return best;
    }
    // Only those candidates, in their order (so that the first among equals stays first).
    const points = mapPacked(this.points, (p) => Float64Array.from(among, (s) => p[s]));
    const r = nearFirst.bestRatio(
      this,
      points,
      Float64Array.from(among, (s) => logL[s]),
      logTotal,
      this.scratch,
    );
    return among[r];
  }

  /**
   * The candidates that may have the best score (CELLS_FROM observations or more, the cells synced):
   * every candidate whose score is proven lower than another's by more than SCREEN_MARGIN, by
   * bounds on its sum (the crowded kernels' through the Hermite cells, the others' exactly), is
   * left out. Every candidate when the screen cannot tell (a sum so small it might underflow).
   */
  private screen(logL: Float64Array): number[] {
    const cells = this.cells!;
    const top = this.maxLogHeight;
    const logTotal = Math.log(this.totalWeight);
    const scale = Math.exp(cells.logFloorHeight - top);
    const [y0, y1] = this.points;
    const [mu0, mu1] = this.mus;
    const [c0, c1] = this.curvatures;
    const { direct, directCount } = cells;
    return this.screenRounds(
      logL,
      scale,
      (sum) => top + Math.log(sum) - logTotal,
      // The kernels outside the cells (the prior, the newest, the wide ones), summed exactly.
      (s) => {
        let exact = 0;
        for (let i = 0; i < directCount; i++) {
          const slot = direct[i];
          const d0 = y0[s] - mu0[slot];
          const d1 = y1[s] - mu1[slot];
          exact += this.weights[slot] * Math.exp(this.logHeights[slot] - top - (d0 * d0 * c0[slot] + d1 * d1 * c1[slot]));
        }
        return exact;
      },
      (s, precision, out) => cells.bounds(y0[s], y1[s], precision, out),
    );
  }

  private rebuild(numbers: Int32Array, values: readonly Float64Array[], count: number): void {
    this.layout++;
    this.cellsTouched.everySlot();
    this.heightsStale = true;
    this.ensureCapacity(count + 1);
    for (let r = 0; r < count; r++) {
      const slot = r + 1;
      this.numbers[slot] = numbers[r];
      for (let j = 0; j < this.d; j++) this.mus[j][slot] = forward(this.models[j], values[j][r]);
      this.byTime[r] = slot;
    }
    this.count = count + 1;
    for (let slot = 1; slot <= count; slot++) this.markDirty(slot);
    for (const j of this.numeric) {
      const mu = this.mus[j];
      const order = Array.from({ length: count }, (_, r) => r + 1);
      order.sort((x, y) => mu[x] - mu[y] || this.numbers[x] - this.numbers[y]);
      this.sorted[j].set(order);
    }
    this.refreshAllBandwidths();
    this.refreshDirty();
  }

  /** `refreshBandwidth` of every kernel (only changed ones are recomputed). */
  private refreshAllBandwidths(): void {
    const m = this.count - 1;
    for (const j of this.numeric) {
      // refreshBandwidth for every k, with what is the same for all of them read once.
      const model = this.models[j] as NumericModel;
      const range = model.high - model.low;
      const floor = magicClipFloor(range, m);
      const sorted = this.sorted[j];
      const mus = this.mus[j];
      const considerEndpoints = this.params.considerEndpoints;
      for (let k = 0; k < m; k++) {
        const prev = k > 0 ? mus[sorted[k - 1]] : model.low;
        const next = k < m - 1 ? mus[sorted[k + 1]] : model.high;
        this.setBandwidth(j, sorted[k], kernelBandwidth(prev, mus[sorted[k]], next, k, m, considerEndpoints, range, floor));
      }
    }
  }

  private insert(number: number, values: readonly Float64Array[], r: number): void {
    this.ensureCapacity(this.count + 1);
    const slot = this.count++;
    const m = this.count - 1;
    this.numbers[slot] = number;
    this.markDirty(slot); // its truncation masses are computed whatever the slot held before
    // Time order: after every held trial with a smaller number (the later ones' ranks move if any).
    const t = this.timePosition(number, m - 1);
    if (t < m - 1) this.cellsTouched.everySlot();
    this.byTime.copyWithin(t + 1, t, m - 1);
    this.byTime[t] = slot;
    for (let j = 0; j < this.d; j++) {
      const mu = forward(this.models[j], values[j][r]);
      this.mus[j][slot] = mu;
      if (this.models[j].kind === 'categorical') continue; // no order or bandwidth: the choice is all
      const sorted = this.sorted[j];
      const p = this.sortedPosition(j, mu, number, m - 1);
      sorted.copyWithin(p + 1, p, m - 1);
      sorted[p] = slot;
      this.refreshAround(j, p);
    }
  }

  private remove(slot: number): void {
    this.layout++;
    this.cellsTouched.everySlot();
    if (!(this.logHeights[slot] < this.maxLogHeight)) this.heightsStale = true;
    const m = this.count - 1;
    const number = this.numbers[slot];
    const t = this.timePosition(number, m);
    this.byTime.copyWithin(t, t + 1, m);
    for (const j of this.numeric) {
      const sorted = this.sorted[j];
      const p = this.sortedPosition(j, this.mus[j][slot], number, m);
      sorted.copyWithin(p, p + 1, m);
      if (m > 1) this.refreshAround(j, Math.min(p, m - 2), m - 1);
    }
    this.count--;
    const last = this.count;
    if (slot !== last) this.moveSlot(last, slot);
    this.isDirty[last] = 0;
  }

  /** Moves the kernel in slot `from` to the free slot `to`, and the references to it. */
  private moveSlot(from: number, to: number): void {
    const m = this.count - 1;
    const number = this.numbers[from];
    this.byTime[this.timePosition(number, m)] = to;
    for (let j = 0; j < this.d; j++) {
      if (this.models[j].kind === 'numeric') this.sorted[j][this.sortedPosition(j, this.mus[j][from], number, m)] = to;
      this.mus[j][to] = this.mus[j][from];
      this.sigmas[j][to] = this.sigmas[j][from];
      this.invs[j][to] = this.invs[j][from];
      this.curvatures[j][to] = this.curvatures[j][from];
      this.logZs[j][to] = this.logZs[j][from];
    }
    this.numbers[to] = number;
    this.logHeights[to] = this.logHeights[from];
    this.stamp(to);
    if (this.isDirty[from]) {
      this.isDirty[from] = 0;
      this.markDirty(to);
    }
  }

  /** Position of trial `number` in (or for it in) the first `len` entries of `byTime`. */
  private timePosition(number: number, len: number): number {
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.numbers[this.byTime[mid]] < number) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of (mu, number) in (or for it in) the first `len` entries of parameter j's order. */
  private sortedPosition(j: number, mu: number, number: number, len: number): number {
    const sorted = this.sorted[j];
    const mus = this.mus[j];
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = sorted[mid];
      if (mus[s] < mu || (mus[s] === mu && this.numbers[s] < number)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bandwidths that an insertion or removal at sorted position p can change (and the ends'). */
  private refreshAround(j: number, p: number, m = this.count - 1): void {
    for (const k of [p - 1, p, p + 1, 0, m - 1]) if (k >= 0 && k < m) this.refreshBandwidth(j, k, m);
  }

  private refreshBandwidth(j: number, k: number, m = this.count - 1): void {
    const model = this.models[j] as NumericModel;
    const sorted = this.sorted[j];
    const mus = this.mus[j];
    const slot = sorted[k];
    const range = model.high - model.low;
    const prev = k > 0 ? mus[sorted[k - 1]] : model.low;
    const next = k < m - 1 ? mus[sorted[k + 1]] : model.high;
    this.setBandwidth(
      j,
      slot,
      kernelBandwidth(prev, mus[slot], next, k, m, this.params.considerEndpoints, range, magicClipFloor(range, m)),
    );
  }

  /** Kernel `slot`'s bandwidth in parameter j is `sigma`: if that is new (or the kernel is), update what follows from it. */
  private setBandwidth(j: number, slot: number, sigma: number): void {
    if (sigma === this.sigmas[j][slot] && !this.isDirty[slot]) return;
    const inv = 1 / sigma;
    this.sigmas[j][slot] = sigma;
    this.invs[j][slot] = inv;
    this.curvatures[j][slot] = 0.5 * inv * inv;
    // Its truncation mass is computed once the sync is done (refreshDirty): a kernel can change more
    // than once on the way, and there the mass function is inlined, here it would be called with
    // its numbers boxed (three heap allocations per kernel, about 70 kernels a trial early on).
    this.logZs[j][slot] = NaN;
    this.markDirty(slot);
  }

  private markDirty(slot: number): void {
    if (this.isDirty[slot]) return;
    this.cellsTouched.add(slot, this.count);
    this.isDirty[slot] = 1;
    this.stamp(slot);
    this.dirty.push(slot);
  }

  /** Slot `slot`'s kernel changed: a new stamp, listed for `MixedKernelSum`. */
  private stamp(slot: number): void {
    this.stamps[slot] = ++this.clock;
    this.mixedChanged.add(slot, this.count);
  }

  /** New truncation masses where stale, and new heights, for the kernels changed since the last call. */
  private refreshDirty(): void {
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      const slot = dirty[i];
      if (!this.isDirty[slot]) continue; // moved or removed since
      this.isDirty[slot] = 0;
      if (slot >= this.count) continue;
      for (const j of this.numeric) {
        const logZ = this.logZs[j];
        if (!Number.isNaN(logZ[slot])) continue;
        const model = this.models[j] as NumericModel;
        const mu = this.mus[j][slot];
        const sigma = this.sigmas[j][slot];
        logZ[slot] = logNormalMass(model.low, model.high, mu, sigma);
      }
      if (this.continuous) {
        const was = this.logHeights[slot];
        const height = kernelLogHeight(this.invs, this.logZs, slot);
        this.logHeights[slot] = height;
        // A new slot's `was` is what the slot last held: at worst a needless pass.
        if (height > this.maxLogHeight) this.maxLogHeight = height;
        else if (height < was && !(was < this.maxLogHeight)) this.heightsStale = true;
      }
    }
    dirty.length = 0;
  }

  /** Optuna's default weight of each observation by time rank, and the largest log height. */
  private refreshWeights(): void {
    const m = this.count - 1;
    const prior = this.params.priorWeight;
    this.weights[0] = prior;
    const { total, observations, largest } = scatterDefaultWeights(m, this.byTime, this.weights, prior);
    this.observationsWeight = observations;
    this.maxObservationWeight = largest;
    // The ramp's weights run from 1/m (the oldest) to 1.
    const min = Math.min(defaultWeightAt(0, m), prior > 0 ? prior : Infinity);
    this.logWeightSpread = Math.log(Math.max(1, prior) / min);
    if (this.heightsStale) {
      let max = -Infinity;
      for (let i = 0; i <= m; i++) if (this.logHeights[i] > max) max = this.logHeights[i];
      this.maxLogHeight = max;
      this.heightsStale = false;
    }
    this.totalWeight = total;
  }

  private ensureCapacity(n: number): void {
    const cap = this.logHeights.length;
    if (n <= cap) return;
    let next = cap;
    while (next < n) next *= 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(next);
      b.set(a);
      return b;
    };
    this.mus = mapPacked(this.mus, grow);
    this.sigmas = mapPacked(this.sigmas, grow);
    this.invs = mapPacked(this.invs, grow);
    this.curvatures = mapPacked(this.curvatures, grow);
    this.logZs = mapPacked(this.logZs, grow);
    this.sorted = mapPacked(this.sorted, grow);
    this.logHeights = grow(this.logHeights);
    this.weights = grow(this.weights);
    this.numbers = grow(this.numbers);
    this.byTime = grow(this.byTime);
    this.isDirty = grow(this.isDirty);
    this.stamps = grow(this.stamps);
    this.scratch = new Float64Array(next);
    if (this.pairs) this.pairs = new Float64Array(pairsLength(next));
  }
}

/**
 * The slots whose kernels changed since a reader last cleared the list, or, once every slot must be
 * looked at (`everySlot`, or more changes than are worth listing for `count` kernels), none listed.
 */
class ChangedSlots {
  private readonly slots: number[] = [];
  private every = true;

  /** The slots listed (some may be twice), or null: every slot. */
  get list(): readonly number[] | null {
    return this.every ? null : this.slots;
  }

  add(slot: number, count: number): void {
    if (this.every) return;
    this.slots.push(slot);
    if (this.slots.length > 1024 + (count >> 3)) this.everySlot();
  }

  everySlot(): void {
    this.every = true;
  }

  /** The reader has looked: changes are listed afresh. */
  clear(): void {
    this.slots.length = 0;
    this.every = false;
  }
}
