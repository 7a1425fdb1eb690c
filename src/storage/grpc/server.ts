/**
 * runGrpcProxyServer: serve a storage over Optuna's gRPC storage API, as Optuna's
 * `optuna.storages.run_grpc_proxy_server`, so that Optuna's `GrpcStorageProxy` clients (and
 * tunelab's) share its studies. Any tunelab storage can stand behind it (SQLite, PostgreSQL, a
 * journal file or Redis, memory), by object or by URL.
 *
 * Each RPC does what Optuna's servicer does with Optuna's storage, answering with the same status
 * codes: NOT_FOUND for an unknown study or trial, ALREADY_EXISTS for a taken study name,
 * FAILED_PRECONDITION for a change to a finished trial, INVALID_ARGUMENT for a value the storage
 * refuses (a malformed attribute or distribution, a parameter whose distribution conflicts).
 * Nothing a client sends reaches a prototype or stops the server: a request the storage refuses is
 * answered with the refusal, and the server goes on.
 */
import type { sendUnaryData, Server, ServerUnaryCall, ServiceError, UntypedServiceImplementation } from '@grpc/grpc-js';
import { distributionFromJson, type Distribution } from '../../distributions';
import {
  DuplicatedStudyError,
  InvalidArgumentError,
  InvalidDistributionError,
  StorageError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialNotFoundError,
} from '../../errors';
import { isFinished, TrialState } from '../../frozenTrial';
import { addTrialsToStorage } from '../../study/addTrials';
import type { Storage } from '../base';
import { grpcModule, storageService, type ProtoStudy, type ProtoTrial } from './api';
import { attrsOf, checkAddress, directionCode, directionOf, entries, jsonValue, protoTrial, stateOf, STATUS, trialFromProto } from './wire';

export interface GrpcProxyServerOptions {
  /** The address to listen on (default 'localhost', as Optuna's). */
  host?: string;
  /** The port (default 13000, as Optuna's); 0 takes a free one, which `server.port` then tells. */
  port?: number;
}

/** A running proxy server. */
export interface GrpcProxyServer {
  /** The port it listens on. */
  readonly port: number;
  /** The URL a tunelab client opens it by (`createStudy({ storage: server.url })`). */
  readonly url: string;
  /** Stop serving (after the calls under way) and close the storage if it was opened from a URL. */
  close(): Promise<void>;
}

/** A request's failure, as the status the client will see. */
class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Serve `storage` (a storage object, or a URL that `createStudy` would take) over Optuna's gRPC
 * storage API until `close()`. Resolves once the server listens.
 */
export async function runGrpcProxyServer(storage: Storage | string, opts: GrpcProxyServerOptions = {}): Promise<GrpcProxyServer> {
  const { address } = checkAddress('runGrpcProxyServer', opts, 0);
  const grpc = grpcModule();
  const { definition, extensionDefinition } = storageService();
  const backend: Storage =
    typeof storage === 'string' ? await (require('../index') as typeof import('../index')).getStorage(storage) : storage;
  const server: Server = new grpc.Server();
  server.addService(definition, serviceFor(backend));
  server.addService(extensionDefinition, extensionsFor(backend));
  let bound: number;
  try {
    bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
  } catch (e) {
    if (typeof storage === 'string') await backend.close();
    throw new StorageError(
      `runGrpcProxyServer: cannot listen on ${address}: ${(e as Error).message}. Choose another port (0 takes a free one).`,
      {
        cause: e,
      },
    );
  }
  return {
    port: bound,
    url: `grpc://${address.slice(0, address.lastIndexOf(':'))}:${bound}`,
    close: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      if (typeof storage === 'string') await backend.close();
    },
  };
}

/** The RPCs, each a call of the storage with Optuna's servicer's answers. */
function serviceFor(storage: Storage): UntypedServiceImplementation {
  const trialsOf = (studyId: number) => storage.getAllTrials(studyId);
  const handlers: Record<string, (request: Record<string, unknown>) => Promise<object>> = {
    CreateNewStudy: async (r) => ({
      study_id: await storage.createNewStudy((r.directions as number[]).map(directionOf), r.study_name as string),
    }),
    DeleteStudy: async (r) => (await storage.deleteStudy(r.study_id as number), {}),
    SetStudyUserAttribute: async (r) => (await storage.setStudyUserAttr(r.study_id as number, r.key as string, jsonValue(r.value)), {}),
    SetStudySystemAttribute: async (r) => (await storage.setStudySystemAttr(r.study_id as number, r.key as string, jsonValue(r.value)), {}),
    GetStudyIdFromName: async (r) => ({ study_id: await storage.getStudyIdFromName(r.study_name as string) }),
    GetStudyNameFromId: async (r) => ({ study_name: await storage.getStudyNameFromId(r.study_id as number) }),
    GetStudyDirections: async (r) => ({ directions: (await storage.getStudyDirections(r.study_id as number)).map(directionCode) }),
    GetStudyUserAttributes: async (r) => ({ user_attributes: entries(await storage.getStudyUserAttrs(r.study_id as number)) }),
    GetStudySystemAttributes: async (r) => ({ system_attributes: entries(await storage.getStudySystemAttrs(r.study_id as number)) }),
    GetAllStudies: async () => ({
      studies: (await storage.getAllStudies()).map((s): ProtoStudy => ({
        study_id: s.studyId,
        study_name: s.studyName,
        directions: s.directions.map(directionCode),
        user_attributes: entries(s.userAttrs),
        system_attributes: entries(s.systemAttrs),
      })),
    }),
    CreateNewTrial: async (r) => ({
      trial_id: await createTrial(storage, r.study_id as number, r.template_trial_is_none ? null : (r.template_trial as ProtoTrial)),
    }),
    SetTrialParameter: async (r) => {
      const distribution = parseDistribution(r.distribution as string, r.param_name as string);
      await storage.setTrialParam(r.trial_id as number, r.param_name as string, r.param_value_internal as number, distribution);
      return {};
    },
    GetTrialIdFromStudyIdTrialNumber: async (r) => {
      const trial = (await trialsOf(r.study_id as number)).find((t) => t.number === r.trial_number);
      if (!trial) throw new RpcFailure(STATUS.NOT_FOUND, `No trial ${String(r.trial_number)} in study ${String(r.study_id)}.`);
      return { trial_id: trial.trialId };
    },
    SetTrialStateValues: async (r) => {
      const trialId = r.trial_id as number;
      const state = stateOf(r.state as number);
      const values = r.values as number[];
      const updated = await storage.setTrialState(trialId, state, values.length > 0 ? values : null);
      // Optuna's storage refuses a change to a finished trial with an error, and a claim of a trial
      // that is not WAITING with false; tunelab's storages answer false for both.
      if (!updated && state !== TrialState.RUNNING && isFinished((await storage.getTrial(trialId)).state)) {
        throw new TrialFinishedError(`The trial with id ${trialId} is already finished; it cannot be changed.`);
      }
      return { trial_updated: updated };
    },
    SetTrialIntermediateValue: async (r) => (
      await storage.setTrialIntermediateValue(r.trial_id as number, r.step as number, r.intermediate_value as number),
      {}
    ),
    SetTrialUserAttribute: async (r) => (await storage.setTrialUserAttr(r.trial_id as number, r.key as string, jsonValue(r.value)), {}),
    SetTrialSystemAttribute: async (r) => (await storage.setTrialSystemAttr(r.trial_id as number, r.key as string, jsonValue(r.value)), {}),
    GetTrial: async (r) => ({ trial: protoTrial(await storage.getTrial(r.trial_id as number)) }),
    GetTrials: async (r) => {
      const included = new Set(r.included_trial_ids as number[]);
      const after = r.trial_id_greater_than as number;
      const trials = await trialsOf(r.study_id as number);
      return { trials: trials.filter((t) => t.trialId > after || included.has(t.trialId)).map(protoTrial) };
    },
  };
  return implementation(handlers);
}

/** tunelab's StorageExtensions (./api.ts): the atomic claim of a study system attribute. */
function extensionsFor(storage: Storage): UntypedServiceImplementation {
  return implementation({
    SetStudySystemAttributeIfAbsent: async (r) => ({
      set: await storage.setStudySystemAttrIfAbsent(r.study_id as number, r.key as string, jsonValue(r.value)),
    }),
  });
}

/** Handlers as gRPC's unary implementations: a rejection becomes the status it maps to. */
function implementation(handlers: Record<string, (request: Record<string, unknown>) => Promise<object>>): UntypedServiceImplementation {
  const service: UntypedServiceImplementation = {};
  for (const [rpc, handle] of Object.entries(handlers)) {
    service[rpc] = (call: ServerUnaryCall<Record<string, unknown>, object>, reply: sendUnaryData<object>) => {
      handle(call.request).then(
        (answer) => reply(null, answer),
        (e: unknown) => reply(statusOf(e)),
      );
    };
  }
  return service;
}

/** A tunelab error as the status Optuna's servicer answers the same failure with. */
function statusOf(e: unknown): Partial<ServiceError> {
  const details = e instanceof Error ? e.message : String(e);
  if (e instanceof RpcFailure) return { code: e.code, details };
  if (e instanceof StudyNotFoundError || e instanceof TrialNotFoundError) return { code: STATUS.NOT_FOUND, details };
  if (e instanceof DuplicatedStudyError) return { code: STATUS.ALREADY_EXISTS, details };
  if (e instanceof TrialFinishedError) return { code: STATUS.FAILED_PRECONDITION, details };
  if (e instanceof InvalidArgumentError || e instanceof InvalidDistributionError) return { code: STATUS.INVALID_ARGUMENT, details };
  return { code: STATUS.INTERNAL, details };
}

/**
 * A new trial from Optuna's CreateNewTrial: none, or a template. A template with only a state
 * (RUNNING or WAITING) and attributes, as `enqueue_trial` sends, is a new trial of the storage's; a
 * whole trial (Optuna's `add_trial`: parameters, values, reports, datetimes) is added as it is.
 */
async function createTrial(storage: Storage, studyId: number, template: ProtoTrial | null): Promise<number> {
  if (template === null) return (await storage.createNewTrial(studyId)).trialId;
  const state = stateOf(template.state);
  const whole =
    template.params.length > 0 ||
    template.values.length > 0 ||
    template.intermediate_values.length > 0 ||
    template.datetime_complete !== '' ||
    (state !== TrialState.RUNNING && state !== TrialState.WAITING);
  if (!whole) {
    const userAttrs = attrsOf(template.user_attributes);
    const systemAttrs = attrsOf(template.system_attributes);
    return (await storage.createNewTrial(studyId, { state, userAttrs, systemAttrs })).trialId;
  }
  const trial = trialFromProto(
    template,
    parseDistribution,
    (problem) => new InvalidArgumentError(`The template trial cannot be added: ${problem}.`),
  );
  // As `study.addTrial` adds one: checked against the study's objectives and parameters, then
  // written whole (or replayed, by a storage without whole-trial writes).
  const existing = await storage.getAllTrials(studyId);
  const objectives = (await storage.getStudyDirections(studyId)).length;
  await addTrialsToStorage(storage, studyId, [trial], objectives, existing);
  // The trial just added: the newest the study did not hold before (with others adding trials at
  // the same time, the newest of those that carry this one's parameters and state).
  const before = new Set(existing.map((t) => t.trialId));
  const added = (await storage.getAllTrials(studyId)).filter((t) => !before.has(t.trialId));
  const same = added.filter((t) => t.state === trial.state && Object.keys(t.params).length === Object.keys(trial.params).length);
  const found = (same.length > 0 ? same : added).at(-1);
  if (!found) throw new StorageError('The trial just added was not found in the study.');
  return found.trialId;
}

function parseDistribution(json: string, name: string): Distribution {
  return distributionFromJson(json, `'${name}'`);
}
