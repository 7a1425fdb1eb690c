/**
 * Optuna 5.0's gRPC storage proxy (`run_grpc_proxy_server`) in a Python process of its own, in front
 * of `storageUrl` (an SQLAlchemy URL), on a free loopback port, for tests and benchmarks. It is
 * stopped by `stop()`, and with this process however it ends (a SIGKILL runs no after hook).
 */
import { spawn } from 'node:child_process';
import { GrpcStorageProxy } from '../../src/storage';
import { cleanupWhenGone, freeLoopbackPort } from './async';
import { PYTHON } from './python';

export interface OptunaGrpcServer {
  readonly port: number;
  stop(): void;
}

export async function startOptunaGrpcServer(storageUrl: string): Promise<OptunaGrpcServer> {
  const port = await freeLoopbackPort();
  const server = spawn(
    PYTHON,
    [
      '-c',
      `import sys, warnings; warnings.filterwarnings('ignore')
from optuna.storages import get_storage, run_grpc_proxy_server
run_grpc_proxy_server(get_storage(sys.argv[1]), host='localhost', port=int(sys.argv[2]))`,
      storageUrl,
      String(port),
    ],
    { stdio: 'ignore' },
  );
  const stopWatchdog = cleanupWhenGone('kill "$1" 2>/dev/null', [String(server.pid)]);
  const stop = () => {
    server.kill();
    stopWatchdog();
  };
  try {
    await proxyAnswers(port);
  } catch (e) {
    stop();
    throw e;
  }
  return { port, stop };
}

/** Resolves once a gRPC storage proxy (Optuna's or tunelab's) answers on `port` (within a minute). */
export async function proxyAnswers(port: number): Promise<void> {
  const probe = new GrpcStorageProxy({ port });
  try {
    await probe.waitServerReady(60_000);
  } finally {
    await probe.close();
  }
}
