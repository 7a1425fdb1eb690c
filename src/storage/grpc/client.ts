/**
 * GrpcStorageProxy: a storage reached through Optuna's gRPC storage proxy, as Optuna's
 * `optuna.storages.GrpcStorageProxy`: a server (`optuna.storages.run_grpc_proxy_server` in Python,
 * or tunelab's `runGrpcProxyServer`) holds the database, and any number of Optuna and tunelab
 * workers share its studies over one connection each, without a database driver or a connection
 * per worker.
 *
 * What the protocol cannot say, and what this storage does instead:
 * - No heartbeats (Optuna's proxy has none either): `heartbeatInterval` is ignored here, as on memory.
 * - No atomic "set if absent" for a study attribute (NSGA-II's parents and a grid's points are
 *   claimed with it): tunelab's server offers one in a service of its own (./api.ts), and with
 *   Optuna's server `setStudySystemAttrIfAbsent` reads, then writes, so two workers claiming one key
 *   at the same instant may both win (Optuna's samplers behind the proxy read and write the same way).
 * - Moving a trial to a state is atomic where Optuna's storage makes it so: a WAITING trial is taken
 *   (to RUNNING) once, and a finished trial is never changed. Any other expected state is checked
 *   by reading the trial first.
 * - The server's datetimes are its local time without a zone (Optuna's format); they are read as
 *   this machine's local time, which is right when both share a time zone.
 *
 * Reads of a study's trials are incremental, as Optuna's client makes them: only the trials not
 * finished at the last read, and those created since, are fetched again.
 */
import type { Client, ServiceError } from '@grpc/grpc-js';
import { hasKey } from '../../dict';
import type { Distribution } from '../../distributions';
import {
  DuplicatedStudyError,
  InvalidArgumentError,
  StorageError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialNotFoundError,
} from '../../errors';
import { isFinished, TrialState, type Direction, type FrozenTrial } from '../../frozenTrial';
import { defaultStudyName, expectedPriorState, type Storage, type StudySummary, type TrialTemplate } from '../base';
import { DistributionCache, encodeJson } from '../rdb/codec';
import { journalDistributionJson } from '../journal/log';
import { checkAttribute, checkName, checkParam, checkTemplate } from '../storable';
import { grpcModule, storageService, type ProtoStudy, type ProtoTrial, type RpcName, type StringEntry } from './api';
import {
  attrsOf,
  checkAddress,
  directionCode,
  directionOf,
  entries,
  formatLocalDatetime,
  PROTO_STATE,
  protoTrial,
  STATUS,
  trialFromProto,
} from './wire';

/** A generated client: one method per RPC, taking the request and a callback. */
type RpcClient = Client & Record<string, (request: object, done: (err: ServiceError | null, reply: never) => void) => void>;

export interface GrpcStorageProxyOptions {
  /** The server's host name (default 'localhost', as Optuna's). */
  host?: string;
  /** The server's port (default 13000, as Optuna's). */
  port?: number;
}

/** A study's trials as last read, and what the next read must fetch again (Optuna's client cache). */
interface StudyTrials {
  byNumber: Map<number, FrozenTrial>;
  unfinishedIds: Set<number>;
  lastFinishedId: number;
}

export class GrpcStorageProxy implements Storage {
  readonly url: string;
  private readonly client: RpcClient;
  /** tunelab's StorageExtensions on the same channel, and whether the server offers them (unknown until asked). */
  private readonly extensions: RpcClient;
  private atomicClaims: boolean | undefined;
  private readonly distributions = new DistributionCache();
  private readonly studies = new Map<number, StudyTrials>();

  constructor(opts: GrpcStorageProxyOptions = {}) {
    const { address: target } = checkAddress('GrpcStorageProxy', opts, 1);
    this.url = `grpc://${target}`;
    const grpc = grpcModule();
    const { client, extensionClient } = storageService();
    this.client = new client(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
    }) as unknown as RpcClient;
    this.extensions = new extensionClient(target, grpc.credentials.createInsecure(), {
      channelOverride: this.client.getChannel(),
    }) as unknown as RpcClient;
  }

  /** Wait until the server answers (Optuna's `wait_server_ready`); rejects after `timeoutMs`. */
  waitServerReady(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (err?: Error) => {
        if (err) reject(new StorageError(`No gRPC storage proxy answered at ${this.url} within ${timeoutMs} ms: ${err.message}.`));
        else resolve();
      });
    });
  }

  // ---- studies ----

  async createNewStudy(directions: Direction[], studyName?: string): Promise<number> {
    if (studyName !== undefined) checkName('study name', studyName);
    const name = studyName ?? defaultStudyName();
    const reply = await this.call<{ study_id: number }>(
      'CreateNewStudy',
      { directions: directions.map(directionCode), study_name: name },
      {
        [STATUS.ALREADY_EXISTS]: () => new DuplicatedStudyError(`A study named '${name}' already exists in ${this.url}.`),
      },
    );
    return reply.study_id;
  }

  async deleteStudy(studyId: number): Promise<void> {
    await this.call('DeleteStudy', { study_id: studyId }, this.studyErrors(studyId));
    this.studies.delete(studyId);
  }

  async getStudyIdFromName(studyName: string): Promise<number> {
    checkName('study name', studyName);
    const reply = await this.call<{ study_id: number }>(
      'GetStudyIdFromName',
      { study_name: studyName },
      {
        [STATUS.NOT_FOUND]: () => new StudyNotFoundError(`No study named '${studyName}' in ${this.url}.`),
      },
    );
    return reply.study_id;
  }

  async getStudyNameFromId(studyId: number): Promise<string> {
    return (await this.call<{ study_name: string }>('GetStudyNameFromId', { study_id: studyId }, this.studyErrors(studyId))).study_name;
  }

  async getStudyDirections(studyId: number): Promise<Direction[]> {
    const reply = await this.call<{ directions: number[] }>('GetStudyDirections', { study_id: studyId }, this.studyErrors(studyId));
    return reply.directions.map(directionOf);
  }

  async getAllStudies(): Promise<StudySummary[]> {
    const { studies } = await this.call<{ studies: ProtoStudy[] }>('GetAllStudies', {});
    const summaries: StudySummary[] = [];
    for (const s of studies) {
      const directions = s.directions.map(directionOf);
      let trials: FrozenTrial[];
      try {
        trials = await this.getAllTrials(s.study_id);
      } catch (e) {
        if (e instanceof StudyNotFoundError) continue; // deleted meanwhile
        throw e;
      }
      const complete = trials.filter((t) => t.state === TrialState.COMPLETE && t.values);
      let best: number[] | null = null;
      if (directions.length === 1 && complete.length > 0) {
        const sign = directions[0] === 'minimize' ? 1 : -1;
        best = [...complete.reduce((a, b) => (sign * (b.values![0] - a.values![0]) < 0 ? b : a)).values!];
      }
      const starts = trials.map((t) => t.datetimeStart?.getTime()).filter((ms): ms is number => ms !== undefined);
      summaries.push({
        studyId: s.study_id,
        studyName: s.study_name,
        directions,
        nTrials: trials.length,
        bestValues: best,
        datetimeStart: starts.length > 0 ? new Date(Math.min(...starts)) : null,
        userAttrs: attrsOf(s.user_attributes),
        systemAttrs: attrsOf(s.system_attributes),
      });
    }
    return summaries;
  }

  async setStudyUserAttr(studyId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('Study user attribute', key, value);
    await this.call('SetStudyUserAttribute', { study_id: studyId, key, value: encodeJson(value) }, this.studyErrors(studyId));
  }

  async setStudySystemAttr(studyId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('Study system attribute', key, value);
    await this.call('SetStudySystemAttribute', { study_id: studyId, key, value: encodeJson(value) }, this.studyErrors(studyId));
  }

  /**
   * Atomic when the server is tunelab's (its StorageExtensions service); with Optuna's server, which
   * has no such call, a read and then a write (see the module's comment).
   */
  async setStudySystemAttrIfAbsent(studyId: number, key: string, value: unknown): Promise<boolean> {
    checkAttribute('Study system attribute', key, value);
    if (this.atomicClaims !== false) {
      const unimplemented = new Error('unimplemented');
      try {
        const reply = await this.call<{ set: boolean }>(
          'SetStudySystemAttributeIfAbsent',
          { study_id: studyId, key, value: encodeJson(value) },
          { ...this.studyErrors(studyId), [STATUS.UNIMPLEMENTED]: () => unimplemented },
          this.extensions,
        );
        this.atomicClaims = true;
        return reply.set;
      } catch (e) {
        if (e !== unimplemented) throw e;
        this.atomicClaims = false;
      }
    }
    const attrs = await this.getStudySystemAttrs(studyId);
    if (hasKey(attrs, key)) return false;
    await this.setStudySystemAttr(studyId, key, value);
    return true;
  }

  async getStudyUserAttrs(studyId: number): Promise<Record<string, unknown>> {
    const reply = await this.call<{ user_attributes: StringEntry[] }>(
      'GetStudyUserAttributes',
      { study_id: studyId },
      this.studyErrors(studyId),
    );
    return attrsOf(reply.user_attributes);
  }

  async getStudySystemAttrs(studyId: number): Promise<Record<string, unknown>> {
    const reply = await this.call<{ system_attributes: StringEntry[] }>(
      'GetStudySystemAttributes',
      { study_id: studyId },
      this.studyErrors(studyId),
    );
    return attrsOf(reply.system_attributes);
  }

  // ---- trials ----

  async createNewTrial(studyId: number, template?: TrialTemplate): Promise<FrozenTrial> {
    if (template) checkTemplate(template);
    const plain =
      !template || ((template.state ?? TrialState.RUNNING) === TrialState.RUNNING && !template.userAttrs && !template.systemAttrs);
    const request = plain
      ? { study_id: studyId, template_trial_is_none: true }
      : { study_id: studyId, template_trial: templateTrial(template!), template_trial_is_none: false };
    const { trial_id } = await this.call<{ trial_id: number }>('CreateNewTrial', request, this.studyErrors(studyId));
    return this.getTrial(trial_id);
  }

  /**
   * Whole trials as they are (datetimes included): one CreateNewTrial each, with the trial as its
   * template, as Optuna's `add_trial` sends it. Every trial is checked before the first is sent, so
   * a malformed one writes nothing; but the protocol has no transaction, so a failure of the server
   * midway leaves the trials sent before it.
   */
  async addTrials(studyId: number, trials: readonly FrozenTrial[]): Promise<void> {
    for (const t of trials) {
      checkTemplate(t);
      for (const [name, d] of Object.entries(t.distributions)) checkParam(name, d);
    }
    for (const t of trials) {
      await this.call(
        'CreateNewTrial',
        { study_id: studyId, template_trial: protoTrial(t), template_trial_is_none: false },
        this.studyErrors(studyId),
      );
    }
  }

  async setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void> {
    checkParam(name, distribution);
    await this.call(
      'SetTrialParameter',
      { trial_id: trialId, param_name: name, param_value_internal: internalValue, distribution: journalDistributionJson(distribution) },
      {
        ...this.trialErrors(trialId),
        [STATUS.INVALID_ARGUMENT]: (e) =>
          new InvalidArgumentError(
            `Parameter '${name}' cannot be set with ${journalDistributionJson(distribution)} in ${this.url}: ${e.details}`,
          ),
      },
    );
  }

  async setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): Promise<boolean> {
    const expected = expectedPriorState(state, expectedState);
    // Optuna's storage takes a WAITING trial to RUNNING once and never changes a finished one; any
    // other expected state is checked here first (not atomically).
    const enforcedByServer = state === TrialState.RUNNING ? expected === TrialState.WAITING : expected === TrialState.RUNNING;
    if (!enforcedByServer && (await this.getTrial(trialId)).state !== expected) return false;
    try {
      const reply = await this.call<{ trial_updated: boolean }>(
        'SetTrialStateValues',
        { trial_id: trialId, state: PROTO_STATE[state], values: values ? [...values] : [] },
        this.trialErrors(trialId),
      );
      return reply.trial_updated;
    } catch (e) {
      if (e instanceof TrialFinishedError) return false;
      throw e;
    }
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    await this.call('SetTrialIntermediateValue', { trial_id: trialId, step, intermediate_value: value }, this.trialErrors(trialId));
  }

  async setTrialUserAttr(trialId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('User attribute', key, value);
    await this.call('SetTrialUserAttribute', { trial_id: trialId, key, value: encodeJson(value) }, this.trialErrors(trialId));
  }

  async setTrialSystemAttr(trialId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('System attribute', key, value);
    await this.call('SetTrialSystemAttribute', { trial_id: trialId, key, value: encodeJson(value) }, this.trialErrors(trialId));
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    const reply = await this.call<{ trial: ProtoTrial }>('GetTrial', { trial_id: trialId }, this.trialErrors(trialId));
    return this.trialOf(reply.trial);
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    let cached = this.studies.get(studyId);
    if (!cached) {
      cached = { byNumber: new Map(), unfinishedIds: new Set(), lastFinishedId: -1 };
      this.studies.set(studyId, cached);
    }
    const { trials } = await this.call<{ trials: ProtoTrial[] }>(
      'GetTrials',
      { study_id: studyId, included_trial_ids: [...cached.unfinishedIds], trial_id_greater_than: cached.lastFinishedId },
      {
        [STATUS.NOT_FOUND]: () => {
          this.studies.delete(studyId);
          return new StudyNotFoundError(`No study with id ${studyId} in ${this.url}.`);
        },
      },
    );
    for (const proto of trials) {
      const t = this.trialOf(proto);
      cached.byNumber.set(t.number, t);
      if (isFinished(t.state)) {
        cached.unfinishedIds.delete(t.trialId);
        cached.lastFinishedId = Math.max(cached.lastFinishedId, t.trialId);
      } else {
        cached.unfinishedIds.add(t.trialId);
      }
    }
    const all = [...cached.byNumber.values()].sort((a, b) => a.number - b.number);
    return states ? all.filter((t) => states.includes(t.state)) : all;
  }

  async close(): Promise<void> {
    this.extensions.close();
    this.client.close();
  }

  // ---- the wire ----

  /**
   * One RPC. A status the caller names becomes the error it makes; the server being out of reach
   * becomes a StorageError that says where it was looked for; any other status, a StorageError with
   * the server's details.
   */
  private call<T>(
    rpc: RpcName,
    request: object,
    errors: Record<number, (e: ServiceError) => Error> = {},
    on: RpcClient = this.client,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      on[rpc](request, (err: ServiceError | null, reply: T) => {
        if (!err) return resolve(reply);
        const make = errors[err.code];
        if (make) return reject(make(err));
        if (err.code === STATUS.UNAVAILABLE) {
          return reject(
            new StorageError(
              `No gRPC storage proxy answered at ${this.url} (${err.details}). Start one (\`optuna.storages.run_grpc_proxy_server\`, or tunelab's \`runGrpcProxyServer\`) or check the host and port.`,
              { cause: err },
            ),
          );
        }
        reject(new StorageError(`The gRPC storage proxy at ${this.url} failed ${rpc}: ${err.details || err.message}`, { cause: err }));
      });
    });
  }

  private studyErrors(studyId: number): Record<number, (e: ServiceError) => Error> {
    return { [STATUS.NOT_FOUND]: () => new StudyNotFoundError(`No study with id ${studyId} in ${this.url}.`) };
  }

  private trialErrors(trialId: number): Record<number, (e: ServiceError) => Error> {
    return {
      [STATUS.NOT_FOUND]: () => new TrialNotFoundError(`No trial with id ${trialId} in ${this.url}.`),
      [STATUS.FAILED_PRECONDITION]: () =>
        new TrialFinishedError(`The trial with id ${trialId} is already finished in ${this.url}; it cannot be changed.`),
    };
  }

  /** A trial as the server sent it, as a FrozenTrial (parameters in the order the server lists them). */
  private trialOf(p: ProtoTrial): FrozenTrial {
    return trialFromProto(
      p,
      (json, name) => this.distributions.get(json, name),
      (problem) => new StorageError(`The gRPC storage proxy at ${this.url} sent a trial that cannot be read: ${problem}.`),
    );
  }
}

/** A new trial's template as Optuna's servicer reads it: its state, attributes, and a start time if RUNNING. */
function templateTrial(template: TrialTemplate): Partial<ProtoTrial> {
  const state = template.state ?? TrialState.RUNNING;
  return {
    state: PROTO_STATE[state],
    datetime_start: state === TrialState.RUNNING ? formatLocalDatetime(new Date()) : '',
    user_attributes: entries(template.userAttrs ?? {}),
    system_attributes: entries(template.systemAttrs ?? {}),
  };
}

const GRPC_URL = /^grpc:\/\/(\[[^\]]+\]|[^:/[\]]+):(\d+)\/?$/;

/**
 * A GrpcStorageProxy from `grpc://host:port` (tunelab's URL for Optuna's proxy; Optuna takes the
 * host and port as arguments), once the server answers (within 10 seconds).
 */
export async function openGrpcStorage(url: string): Promise<GrpcStorageProxy> {
  const m = GRPC_URL.exec(url);
  if (!m) {
    throw new StorageError(`A gRPC storage proxy URL is grpc://host:port (for example 'grpc://localhost:13000'), got '${url}'.`);
  }
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const storage = new GrpcStorageProxy({ host, port: Number(m[2]) });
  try {
    await storage.waitServerReady(10_000);
  } catch (e) {
    await storage.close();
    throw e;
  }
  return storage;
}
