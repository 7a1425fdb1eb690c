/**
 * Optuna's gRPC storage API (package `optuna`, service `StorageService`, Optuna 4.2 to 5.0), the
 * protocol between `optuna.storages.run_grpc_proxy_server` and `GrpcStorageProxy`. Written here as
 * protobuf.js's JSON form of the schema, from the field names, numbers and types of Optuna 5.0's
 * descriptor, so that nothing has to ship a .proto file. Loaded with @grpc/proto-loader, the one
 * definition serves both the client (./client.ts) and the server (./server.ts).
 *
 * Optuna declares its string and number maps as `map<...>` fields. On the wire a map is a repeated
 * message of `key` (1) and `value` (2), and that is how they are declared here: protobuf.js decodes a
 * map into a plain object, where a key named `__proto__` would be lost, while a list of entries keeps
 * every key, and each side builds its objects from them with own-property writes.
 */
import type { GrpcObject, ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { StorageError } from '../../errors';
import { requireOptional } from '../../optionalDependency';

type Field = { type: string; id: number; rule?: 'repeated' };

/** A message's fields from `name: [type, number]` pairs; a type ending in [] is repeated. */
function fields(spec: Record<string, [string, number]>): { fields: Record<string, Field> } {
  const out: Record<string, Field> = {};
  for (const [name, [type, id]] of Object.entries(spec)) {
    out[name] = type.endsWith('[]') ? { type: type.slice(0, -2), id, rule: 'repeated' } : { type, id };
  }
  return { fields: out };
}

/** Each RPC's `<Rpc>Request` and `<Rpc>Reply` messages. */
function messages(rpcs: typeof RPCS): Record<string, { fields: Record<string, Field> }> {
  return Object.fromEntries(
    Object.entries(rpcs).flatMap(([rpc, [request, reply]]) => [
      [`${rpc}Request`, fields(request)],
      [`${rpc}Reply`, fields(reply)],
    ]),
  );
}

/** A service of the RPCs. */
function service(rpcs: typeof RPCS): { methods: Record<string, { requestType: string; responseType: string; comment: string }> } {
  return {
    methods: Object.fromEntries(
      Object.keys(rpcs).map((rpc) => [rpc, { requestType: `${rpc}Request`, responseType: `${rpc}Reply`, comment: '' }]),
    ),
  };
}

const STRING_ENTRY = fields({ key: ['string', 1], value: ['string', 2] });
const DOUBLE_ENTRY = fields({ key: ['string', 1], value: ['double', 2] });
const STEP_ENTRY = fields({ key: ['int64', 1], value: ['double', 2] });

/** The RPCs, each with its request's and reply's fields (the messages are named `<Rpc>Request` and `<Rpc>Reply`). */
const RPCS: Record<string, [Record<string, [string, number]>, Record<string, [string, number]>]> = {
  CreateNewStudy: [{ directions: ['StudyDirection[]', 1], study_name: ['string', 2] }, { study_id: ['int64', 1] }],
  DeleteStudy: [{ study_id: ['int64', 1] }, {}],
  SetStudyUserAttribute: [{ study_id: ['int64', 1], key: ['string', 2], value: ['string', 3] }, {}],
  SetStudySystemAttribute: [{ study_id: ['int64', 1], key: ['string', 2], value: ['string', 3] }, {}],
  GetStudyIdFromName: [{ study_name: ['string', 1] }, { study_id: ['int64', 1] }],
  GetStudyNameFromId: [{ study_id: ['int64', 1] }, { study_name: ['string', 1] }],
  GetStudyDirections: [{ study_id: ['int64', 1] }, { directions: ['StudyDirection[]', 1] }],
  GetStudyUserAttributes: [{ study_id: ['int64', 1] }, { user_attributes: ['StringEntry[]', 1] }],
  GetStudySystemAttributes: [{ study_id: ['int64', 1] }, { system_attributes: ['StringEntry[]', 1] }],
  GetAllStudies: [{}, { studies: ['Study[]', 1] }],
  CreateNewTrial: [
    { study_id: ['int64', 1], template_trial: ['Trial', 2], template_trial_is_none: ['bool', 3] },
    { trial_id: ['int64', 1] },
  ],
  SetTrialParameter: [
    { trial_id: ['int64', 1], param_name: ['string', 2], param_value_internal: ['double', 3], distribution: ['string', 4] },
    {},
  ],
  GetTrialIdFromStudyIdTrialNumber: [{ study_id: ['int64', 1], trial_number: ['int64', 2] }, { trial_id: ['int64', 1] }],
  SetTrialStateValues: [{ trial_id: ['int64', 1], state: ['TrialState', 2], values: ['double[]', 3] }, { trial_updated: ['bool', 1] }],
  SetTrialIntermediateValue: [{ trial_id: ['int64', 1], step: ['int64', 2], intermediate_value: ['double', 3] }, {}],
  SetTrialUserAttribute: [{ trial_id: ['int64', 1], key: ['string', 2], value: ['string', 3] }, {}],
  SetTrialSystemAttribute: [{ trial_id: ['int64', 1], key: ['string', 2], value: ['string', 3] }, {}],
  GetTrial: [{ trial_id: ['int64', 1] }, { trial: ['Trial', 1] }],
  GetTrials: [
    { study_id: ['int64', 1], included_trial_ids: ['int64[]', 2], trial_id_greater_than: ['int64', 3] },
    { trials: ['Trial[]', 1] },
  ],
};

/**
 * tunelab's one addition, a service of its own beside Optuna's: the atomic "set if absent" of a study
 * system attribute that the Storage contract asks for (claims of a grid point, NSGA-II's parents)
 * and Optuna's API lacks. tunelab's server offers it; Optuna's answers UNIMPLEMENTED, and the client
 * then reads and writes instead.
 */
const EXTENSION_RPCS: typeof RPCS = {
  SetStudySystemAttributeIfAbsent: [{ study_id: ['int64', 1], key: ['string', 2], value: ['string', 3] }, { set: ['bool', 1] }],
};

/** The schema in protobuf.js's JSON form. */
const OPTUNA_STORAGE_SCHEMA: Parameters<typeof import('@grpc/proto-loader').fromJSON>[0] = {
  nested: {
    optuna: {
      nested: {
        StudyDirection: { values: { MINIMIZE: 0, MAXIMIZE: 1 } },
        TrialState: { values: { RUNNING: 0, COMPLETE: 1, PRUNED: 2, FAIL: 3, WAITING: 4 } },
        StringEntry: STRING_ENTRY,
        DoubleEntry: DOUBLE_ENTRY,
        StepEntry: STEP_ENTRY,
        Study: fields({
          study_id: ['int64', 1],
          study_name: ['string', 2],
          directions: ['StudyDirection[]', 3],
          user_attributes: ['StringEntry[]', 4],
          system_attributes: ['StringEntry[]', 5],
        }),
        Trial: fields({
          trial_id: ['int64', 1],
          number: ['int64', 2],
          state: ['TrialState', 3],
          values: ['double[]', 4],
          datetime_start: ['string', 5],
          datetime_complete: ['string', 6],
          params: ['DoubleEntry[]', 7],
          distributions: ['StringEntry[]', 8],
          user_attributes: ['StringEntry[]', 9],
          system_attributes: ['StringEntry[]', 10],
          intermediate_values: ['StepEntry[]', 11],
        }),
        ...messages(RPCS),
        StorageService: service(RPCS),
      },
    },
    tunelab: {
      nested: {
        ...messages(EXTENSION_RPCS),
        StorageExtensions: service(EXTENSION_RPCS),
      },
    },
  },
};

/** The names of the RPCs (Optuna's, and tunelab's extension). */
export type RpcName = keyof typeof RPCS | 'SetStudySystemAttributeIfAbsent';

/** Messages as proto-loader gives and takes them (snake_case fields, int64 as numbers, enums as numbers). */
export interface StringEntry {
  key: string;
  value: string;
}
export interface ProtoTrial {
  trial_id: number;
  number: number;
  state: number;
  values: number[];
  datetime_start: string;
  datetime_complete: string;
  params: { key: string; value: number }[];
  distributions: StringEntry[];
  user_attributes: StringEntry[];
  system_attributes: StringEntry[];
  intermediate_values: { key: number; value: number }[];
}
export interface ProtoStudy {
  study_id: number;
  study_name: string;
  directions: number[];
  user_attributes: StringEntry[];
  system_attributes: StringEntry[];
}

export type GrpcModule = typeof import('@grpc/grpc-js');

/** @grpc/grpc-js, loaded on first use (an optional dependency). */
export function grpcModule(): GrpcModule {
  return requireOptional<GrpcModule>('@grpc/grpc-js', "Optuna's gRPC storage proxy", StorageError);
}

interface Services {
  /** Optuna's StorageService: its client constructor and definition. */
  client: ServiceClientConstructor;
  definition: ServiceDefinition;
  /** tunelab's StorageExtensions. */
  extensionClient: ServiceClientConstructor;
  extensionDefinition: ServiceDefinition;
}

let services: Services | null = null;

/** The services' client constructors and definitions, built once. */
export function storageService(): Services {
  if (services) return services;
  const grpc = grpcModule();
  const loader = requireOptional<typeof import('@grpc/proto-loader')>('@grpc/proto-loader', "Optuna's gRPC storage proxy", StorageError);
  const definition = loader.fromJSON(OPTUNA_STORAGE_SCHEMA, { keepCase: true, longs: Number, enums: Number, defaults: true, arrays: true });
  const loaded = grpc.loadPackageDefinition(definition);
  const client = (loaded.optuna as GrpcObject).StorageService as ServiceClientConstructor;
  const extensionClient = (loaded.tunelab as GrpcObject).StorageExtensions as ServiceClientConstructor;
  services = { client, definition: client.service, extensionClient, extensionDefinition: extensionClient.service };
  return services;
}
