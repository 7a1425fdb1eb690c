/**
 * Opening studies: create, load, delete, copy and list them, with Optuna 5.0's default sampler and
 * pruner. Kept apart from the Study class so that the study loop imports no particular algorithm:
 * this module is where a Study gets its defaults and the modules it delegates to (services.ts).
 */
import { DuplicatedStudyError, InvalidArgumentError } from '../errors';
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import { getParamImportances } from '../importance';
import { logInfo } from '../logging';
import { HeartbeatMonitor } from '../parallel/heartbeat';
import { optimizeWithModuleObjective } from '../parallel/threads';
import type { Pruner } from '../pruners/base';
import { MedianPruner } from '../pruners/percentile';
import { reproduceTrial } from '../reproducibility/reproduce';
import { deriveSeed, SAMPLER_SEED_SALT } from '../reproducibility/seeds';
import { recordStudySeed, storedStudySeed } from '../reproducibility/studyRecords';
import type { Sampler } from '../samplers/base';
import { TPESampler } from '../samplers/tpe';
import { getStorage, usingStorage, type Storage, type StudySummary } from '../storage';
import { Study, type CreateStudyOptions, type LoadStudyOptions } from '../study';
import { checkOptionKeys, optionKeys } from '../options';
import { CREATE_STUDY_OPTION_KEYS, LOAD_STUDY_OPTION_KEYS } from './optionKeys';
import type { StudyServices } from './services';

/** The modules a Study delegates to but does not import (see services.ts). */
const STUDY_SERVICES: StudyServices = {
  importances: getParamImportances,
  reproduce: (study, trialNumber, objective, opts) => reproduceTrial(study, trialNumber, objective, opts, createStudy),
  optimizeInThreads: optimizeWithModuleObjective,
};

function resolveDirections(opts: CreateStudyOptions): Direction[] {
  if (opts.direction !== undefined && opts.directions !== undefined) {
    throw new InvalidArgumentError('Pass either direction or directions to createStudy, not both.');
  }
  const dirs = opts.directions ?? [opts.direction ?? 'minimize'];
  if (dirs.length === 0) throw new InvalidArgumentError('directions must name at least one objective.');
  for (const d of dirs) {
    if (d !== 'minimize' && d !== 'maximize') {
      throw new InvalidArgumentError(`Unknown direction '${String(d)}': use 'minimize' or 'maximize'.`);
    }
  }
  return [...dirs];
}

/**
 * Optuna's INFO lines when a study is made or resumed: "A new study created in memory with name: x"
 * (in RDB, in Journal: its storages log it), or "Using an existing study with `study_name='x'` ...".
 * A storage Optuna has no counterpart of (a user's own) gets no creation line, as in Optuna.
 */
function logStudyOpened(storage: Storage, name: string, created: boolean): void {
  if (!created) {
    logInfo(`Using an existing study with \`study_name='${name}'\` instead of creating a new one.`);
    return;
  }
  const where = STORAGE_LOG_NAMES[storage.constructor.name];
  if (where !== undefined) logInfo(`A new study created in ${where} with name: ${name}`);
}

/** The words Optuna's storages log themselves by, per tunelab storage class. */
const STORAGE_LOG_NAMES: Record<string, string> = {
  InMemoryStorage: 'memory',
  RdbStorage: 'RDB',
  WriteBehindStorage: 'RDB',
  JournalStorage: 'Journal',
};

/** Create a study (or, with loadIfExists, resume the one of that name). */
export async function createStudy(opts: CreateStudyOptions = {}): Promise<Study> {
  checkOptionKeys('createStudy', opts, CREATE_STUDY_OPTION_KEYS);
  const directions = resolveDirections(opts);
  const storage = await getStorage(opts.storage);
  const heartbeat = HeartbeatMonitor.create<Study>(storage, opts);
  let studyId: number;
  let created = true;
  try {
    studyId = await storage.createNewStudy(directions, opts.studyName);
  } catch (err) {
    if (!(err instanceof DuplicatedStudyError && opts.loadIfExists)) throw err;
    created = false;
    studyId = await storage.getStudyIdFromName(opts.studyName!);
    const stored = await storage.getStudyDirections(studyId);
    if (stored.join() !== directions.join()) {
      throw new InvalidArgumentError(`Study '${opts.studyName}' exists with directions [${stored}] but [${directions}] were requested.`);
    }
  }
  const name = await storage.getStudyNameFromId(studyId);
  logStudyOpened(storage, name, created);
  const seed = await recordStudySeed(storage, studyId, { requested: opts.seed, recordEnvironment: true });
  const sampler = opts.sampler ?? defaultSampler(opts.seed === undefined ? undefined : deriveSeed(seed, SAMPLER_SEED_SALT));
  const study = new Study(name, studyId, storage, directions, sampler, opts.pruner ?? defaultPruner(), STUDY_SERVICES);
  study.seed = seed;
  study.heartbeat = heartbeat;
  await study.refresh();
  await study.refreshAttrs();
  return study;
}

/** Open an existing study by name. */
export async function loadStudy(opts: LoadStudyOptions): Promise<Study> {
  checkOptionKeys('loadStudy', opts, LOAD_STUDY_OPTION_KEYS);
  const storage = await getStorage(opts.storage);
  const heartbeat = HeartbeatMonitor.create<Study>(storage, opts);
  const studyName = opts.studyName ?? (await onlyStudyName(storage));
  const studyId = await storage.getStudyIdFromName(studyName);
  const directions = await storage.getStudyDirections(studyId);
  const study = new Study(
    studyName,
    studyId,
    storage,
    directions,
    opts.sampler ?? defaultSampler(),
    opts.pruner ?? defaultPruner(),
    STUDY_SERVICES,
  );
  const storedSeed = storedStudySeed(await storage.getStudySystemAttrs(studyId));
  if (storedSeed !== undefined) study.seed = storedSeed;
  else study.seedToRecord = true;
  study.heartbeat = heartbeat;
  await study.refresh();
  await study.refreshAttrs();
  return study;
}

/** Delete a study and all its trials. */
export interface DeleteStudyOptions {
  studyName: string;
  storage: string | Storage;
}
const DELETE_STUDY_OPTION_KEYS = optionKeys<DeleteStudyOptions>({ studyName: true, storage: true });

export async function deleteStudy(opts: DeleteStudyOptions): Promise<void> {
  checkOptionKeys('deleteStudy', opts, DELETE_STUDY_OPTION_KEYS);
  await usingStorage(opts.storage, async (storage) => storage.deleteStudy(await storage.getStudyIdFromName(opts.studyName)));
}

export interface CopyStudyOptions {
  fromStudyName: string;
  fromStorage: string | Storage;
  toStorage: string | Storage;
  /** Default: the study's own name. */
  toStudyName?: string;
}
const COPY_STUDY_OPTION_KEYS = optionKeys<CopyStudyOptions>({ fromStudyName: true, fromStorage: true, toStorage: true, toStudyName: true });

/**
 * Copy a study, trials included (states, params, values, intermediate values, attributes, datetimes),
 * into another storage or under another name, like Optuna's copy_study.
 */
export async function copyStudy(opts: CopyStudyOptions): Promise<void> {
  checkOptionKeys('copyStudy', opts, COPY_STUDY_OPTION_KEYS);
  await usingStorage(opts.fromStorage, (from) => usingStorage(opts.toStorage, (to) => copyTrials(from, to, opts)));
}

async function copyTrials(from: Storage, to: Storage, opts: { fromStudyName: string; toStudyName?: string }): Promise<void> {
  const fromId = await from.getStudyIdFromName(opts.fromStudyName);
  const toId = await to.createNewStudy(await from.getStudyDirections(fromId), opts.toStudyName ?? opts.fromStudyName);
  for (const [k, v] of Object.entries(await from.getStudyUserAttrs(fromId))) await to.setStudyUserAttr(toId, k, v);
  for (const [k, v] of Object.entries(await from.getStudySystemAttrs(fromId))) await to.setStudySystemAttr(toId, k, v);
  const trials = await from.getAllTrials(fromId);
  const bulk = (to as Storage & { addTrials?: (id: number, t: readonly FrozenTrial[]) => Promise<void> }).addTrials;
  if (bulk) {
    await bulk.call(to, toId, trials);
    return;
  }
  // A storage without bulk import (memory): replay each trial through the ordinary writes.
  for (const t of trials) {
    const created = await to.createNewTrial(toId, { state: TrialState.RUNNING, userAttrs: t.userAttrs, systemAttrs: t.systemAttrs });
    for (const [name, d] of Object.entries(t.distributions)) await to.setTrialParam(created.trialId, name, t.internalParams[name], d);
    for (const [step, v] of t.intermediateValues) await to.setTrialIntermediateValue(created.trialId, step, v);
    if (t.state !== TrialState.RUNNING) await to.setTrialState(created.trialId, t.state, t.values, TrialState.RUNNING);
  }
}

/** One summary per study in a storage (Optuna's `get_all_study_summaries`). */
export async function getAllStudySummaries(storage: string | Storage | { storage: string | Storage }): Promise<StudySummary[]> {
  return usingStorage(storageArgument('getAllStudySummaries', storage), (opened) => opened.getAllStudies());
}

/** The names of the studies in a storage, in the order of their summaries (Optuna's `get_all_study_names`). */
export async function getAllStudyNames(storage: string | Storage | { storage: string | Storage }): Promise<string[]> {
  return (await getAllStudySummaries(storageArgument('getAllStudyNames', storage))).map((s) => s.studyName);
}

/**
 * The storage given to the listing functions: positionally as Optuna's `get_all_study_names(storage)`,
 * or as `{ storage }` like loadStudy's and deleteStudy's options.
 */
function storageArgument(where: string, given: string | Storage | { storage: string | Storage }): string | Storage {
  if (typeof given === 'object' && given !== null && 'storage' in given && Object.keys(given).length === 1) return given.storage;
  if (typeof given === 'object' && given !== null && !('getAllStudies' in given)) {
    checkOptionKeys(where, given, ['storage']);
  }
  return given as string | Storage;
}

/** loadStudy without a name: the storage's only study, as Optuna 5 loads it (and logs it). */
async function onlyStudyName(storage: Storage): Promise<string> {
  const names = (await storage.getAllStudies()).map((s) => s.studyName);
  if (names.length !== 1) {
    throw new InvalidArgumentError(
      `loadStudy: no studyName was given and the storage holds ${names.length} studies, not exactly one; pass studyName, one of ${JSON.stringify(names)}.`,
    );
  }
  logInfo(`Study name was omitted but trying to load \`study_name='${names[0]}'\` because that was the only study found in the storage.`);
  return names[0];
}

/**
 * Optuna 5.0's default for every study: TPE (multivariate for one objective, independent with MOTPE's
 * split for several; Optuna 4 defaulted multi-objective studies to NSGA-II).
 */
function defaultSampler(seed?: number): Sampler {
  return new TPESampler({ seed });
}

/** Optuna's default: MedianPruner (it never prunes a trial that does not report). */
function defaultPruner(): Pruner {
  return new MedianPruner();
}
