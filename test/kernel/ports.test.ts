// The connection file's ports: chosen outside the OS's ephemeral range (so no outgoing connection,
// ZeroMQ's reconnects included, can take one before the kernel binds), and a kernel that still finds
// a port taken exits with its own status, which KernelClient.start answers with new ports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { PORT_TAKEN_EXIT_STATUS } from '../../kernel/exitStatus';
import { defaultKernelArgv, makeConnectionInfo } from '../../kernel/runner/client';
import { candidateRange, freeLoopbackPort } from '../../kernel/runner/ports';
import { resultText, run, startKernel } from './helpers';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-ports-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

describe('kernel ports', () => {
  it('are drawn below the ephemeral range, distinct, and free', async () => {
    const [low, high] = candidateRange();
    const ephemeralLow = Number(
      existsSync('/proc/sys/net/ipv4/ip_local_port_range')
        ? (await import('node:fs')).readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]
        : NaN,
    );
    if (Number.isFinite(ephemeralLow))
      assert.ok(high < ephemeralLow, `range ${low}-${high} must end below the ephemeral range (from ${ephemeralLow})`);
    const ports = await Promise.all(Array.from({ length: 40 }, () => freeLoopbackPort()));
    assert.equal(new Set(ports).size, ports.length, 'no port handed out twice');
    for (const p of ports) assert.ok(p >= low && p <= high, `${p} outside ${low}-${high}`);
    // Free means bindable: every one can be listened on now.
    const servers = await Promise.all(ports.slice(0, 5).map(listen));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('a kernel whose shell port is taken exits with PORT_TAKEN_EXIT_STATUS, saying which address', async () => {
    const info = await makeConnectionInfo();
    const squatter = await listen(info.shell_port);
    try {
      const file = path.join(dir, 'taken.json');
      writeFileSync(file, JSON.stringify(info));
      const argv = defaultKernelArgv().map((a) => a.replace('{connection_file}', file));
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, PORT_TAKEN_EXIT_STATUS, stderr);
      assert.match(stderr, /could not bind/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('KernelClient.start starts again with new ports after a port-taken exit, and gives up on any other failure', async () => {
    // A launcher that plays a kernel finding its port taken on the first start only.
    const flag = path.join(dir, 'started-once');
    const kernel = defaultKernelArgv()
      .map((a) => JSON.stringify(a))
      .join(' ');
    const script = `if [ ! -e ${JSON.stringify(flag)} ]; then touch ${JSON.stringify(flag)}; exit ${PORT_TAKEN_EXIT_STATUS}; fi; exec ${kernel.replace('"{connection_file}"', '"$1"')}`;
    const k = await startKernel({ argv: ['bash', '-c', script, 'kernel', '{connection_file}'] });
    try {
      assert.ok(existsSync(flag), 'the first start ran');
      assert.equal(resultText(await run(k, '6 * 7')), '42');
    } finally {
      await k.shutdown();
    }
    await assert.rejects(startKernel({ argv: ['bash', '-c', 'exit 3'] }), /exited during start-up \(status 3/);
  });
});
