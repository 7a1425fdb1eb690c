/**
 * `tunelab grpc-proxy --storage URL [--host HOST] [--port PORT]`: serve a storage over Optuna's gRPC
 * storage API until interrupted, the command-line form of `runGrpcProxyServer` (Optuna runs
 * `run_grpc_proxy_server` from a Python script). Optuna's `GrpcStorageProxy` workers and tunelab's
 * (`grpc://HOST:PORT`) then share the storage's studies.
 *
 * Exit status: 0 stopped by SIGINT or SIGTERM, 1 the storage cannot be opened or the port taken,
 * 2 bad usage.
 */
import { TunelabError } from '../errors';
import { runGrpcProxyServer } from '../storage/grpc';
import { shownUrl } from '../storage/rdb/revision';
import { parseCommandLine, UsageError } from './args';

const USAGE = `usage: tunelab grpc-proxy --storage URL [--host HOST] [--port PORT]

Serve the storage at URL (sqlite:///path.db, postgresql://..., journal:///file.log, redis://...) over
Optuna's gRPC storage API, as optuna.storages.run_grpc_proxy_server does, until Ctrl-C. Workers join
with Optuna's GrpcStorageProxy(host=HOST, port=PORT) or tunelab's grpc://HOST:PORT.
  --host HOST   the address to listen on (default localhost; 0.0.0.0 for every interface)
  --port PORT   the port (default 13000; 0 takes a free one, printed)`;

function parse(argv: string[]): { storage: string; host?: string; port?: number } {
  const { values } = parseCommandLine(argv, { storage: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } });
  if (values.storage === undefined) throw new UsageError('--storage URL is required.');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got '${values.port}'.`);
  }
  return { storage: values.storage, host: values.host, port };
}

export async function main(_command: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tunelab grpc-proxy: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  let server: Awaited<ReturnType<typeof runGrpcProxyServer>>;
  try {
    server = await runGrpcProxyServer(opts.storage, { host: opts.host, port: opts.port });
  } catch (err) {
    if (err instanceof TunelabError) {
      console.error(`tunelab grpc-proxy: ${err.message}`);
      return 1;
    }
    throw err;
  }
  console.log(`Serving ${shownUrl(opts.storage)} over Optuna's gRPC storage API at ${server.url}; Ctrl-C stops.`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await server.close();
  console.log(`Stopped (${signal}).`);
  return 0;
}
