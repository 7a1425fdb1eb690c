/**
 * A Jupyter client over ZeroMQ: starts a kernel process with a fresh connection file and talks to it
 * the way jupyter_client does. Used by the headless runner, the tests and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { decodeFrames, encodeFrames, newHeader, serializeParts, type ConnectionInfo, type JsonObject, type JupyterMessage } from '../wire';
import { PORT_TAKEN_EXIT_STATUS } from '../exitStatus';
import { PACKAGE_ROOT } from '../moduleResolution';
import { freeLoopbackPort } from './ports';

export type ClientChannel = 'shell' | 'control' | 'stdin';

export interface StartOptions {
  /** The kernel's working directory (the notebook's directory). */
  cwd?: string;
  /** Command line; `{connection_file}` is replaced. Default: this package's `tunelab kernel`. */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /**
   * Where the kernel's own stderr goes (default: discarded). 'pipe': to `process.stderr` for the
   * caller to read; 'tail': read here, its last lines kept for stderrTail() (to report a death).
   */
  stderr?: 'inherit' | 'ignore' | 'pipe' | 'tail';
  startupTimeoutMs?: number;
  /** The HMAC key written to the connection file (default: 16 random bytes; "" disables signing). */
  key?: string;
  /**
   * Start the kernel as the leader of a new process group, so that kill() ends it together with every
   * process its cells started (as jupyter_client starts kernels in a new session).
   */
  processGroup?: boolean;
}

/** How much of the kernel's stderr is kept (with stderr 'pipe') for reporting its death. */
const STDERR_TAIL_BYTES = 8192;

export interface ExecuteResult {
  reply: JupyterMessage;
  /** Every iopub message parented to the request, in arrival order (status and execute_input included). */
  iopub: JupyterMessage[];
}

export async function makeConnectionInfo(): Promise<ConnectionInfo> {
  const ports: number[] = [];
  while (ports.length < 5) {
    const p = await freeLoopbackPort();
    if (!ports.includes(p)) ports.push(p);
  }
  return {
    transport: 'tcp',
    ip: '127.0.0.1',
    shell_port: ports[0],
    control_port: ports[1],
    iopub_port: ports[2],
    stdin_port: ports[3],
    hb_port: ports[4],
    key: randomBytes(16).toString('hex'),
    signature_scheme: 'hmac-sha256',
    kernel_name: 'tunelab',
  };
}

export function defaultKernelArgv(): string[] {
  return [process.execPath, path.join(PACKAGE_ROOT, 'bin', 'tunelab.js'), 'kernel', '--connection-file', '{connection_file}'];
}

type Waiter = { resolve: (m: JupyterMessage) => void; reject: (e: Error) => void };

export class KernelClient {
  readonly session = randomUUID();
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly stdin = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private readonly sendTails: Record<ClientChannel, Promise<void>> = {
    shell: Promise.resolve(),
    control: Promise.resolve(),
    stdin: Promise.resolve(),
  };
  private readonly replyWaiters = new Map<string, Waiter>();
  private readonly iopubListeners = new Map<string, (m: JupyterMessage) => void>();
  /** Every iopub message received (tests inspect it; runner ignores it). */
  readonly allIopub: JupyterMessage[] = [];
  /** Optional observer of every iopub message. */
  onIopub?: (m: JupyterMessage) => void;
  private exited = false;
  private exitPromise: Promise<number | null>;
  keepIopubLog = true;
  /** The msg_id of the last request sent with request() (set before the message leaves). */
  lastRequestId = '';
  /** How the kernel process ended, once it has. */
  exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stderrKept = '';
  private readonly stderrEnded: Promise<void>;

  private constructor(
    readonly info: ConnectionInfo,
    readonly process: ChildProcess,
    private readonly tmpDir: string,
    readonly connectionFile: string,
    /** The kernel leads its own process group (StartOptions.processGroup). */
    readonly leadsProcessGroup = false,
    keepStderrTail = false,
  ) {
    const stderr = process.stderr;
    this.stderrEnded = stderr ? new Promise((resolve) => stderr.once('close', () => resolve())) : Promise.resolve();
    this.exitPromise = new Promise((resolve) => {
      // Reading the pipe here would take its first lines from a caller that reads it itself.
      if (keepStderrTail) {
        process.stderr?.on('data', (chunk: Buffer) => {
          this.stderrKept = (this.stderrKept + chunk.toString()).slice(-STDERR_TAIL_BYTES);
        });
      }
      process.once('exit', (code, signal) => {
        this.exited = true;
        this.exitStatus = { code, signal };
        const err = new Error(`the kernel exited (status ${code})`);
        for (const w of this.replyWaiters.values()) w.reject(err);
        this.replyWaiters.clear();
        resolve(code);
      });
    });
  }

  get isAlive(): boolean {
    return !this.exited;
  }

  /**
   * Waits (at most `ms`) until the kernel's stderr pipe is read to its end: a process that died
   * may have written its last words (an out-of-memory report) just before the exit event. A child
   * of the kernel holding the pipe open can delay the end, hence the bound.
   */
  async stderrSettled(ms = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.stderrEnded, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  /**
   * The last lines the kernel wrote on stderr (only with `stderr: 'pipe'`), without the native stack
   * frames V8 prints after a fatal error ("  7: 0x10ea385 v8::internal::..."), which would push the
   * error itself out of view.
   */
  stderrTail(lines = 15): string[] {
    const all = this.stderrKept.split('\n').filter((l) => l.trim() !== '' && !/^\s*\d+: 0x[0-9a-f]+\b/.test(l));
    return all.slice(-lines);
  }

  /**
   * Starts a kernel and waits until it answers. A kernel that finds one of its ports taken (exit
   * status PORT_TAKEN_EXIT_STATUS: another process bound it between our choice and the kernel's
   * bind) is started again with new ports, up to three times in all; any other failure is final.
   */
  static async start(opts: StartOptions = {}): Promise<KernelClient> {
    for (let attempt = 1; ; attempt++) {
      const client = await KernelClient.spawnKernel(opts);
      try {
        await client.waitUntilReady(opts.startupTimeoutMs ?? 60_000);
        return client;
      } catch (err) {
        await client.kill();
        if (client.exitStatus?.code !== PORT_TAKEN_EXIT_STATUS || attempt === 3) throw err;
      }
    }
  }

  private static async spawnKernel(opts: StartOptions): Promise<KernelClient> {
    const info = await makeConnectionInfo();
    if (opts.key !== undefined) info.key = opts.key;
    const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-kernel-'));
    const connectionFile = path.join(tmpDir, 'connection.json');
    writeFileSync(connectionFile, JSON.stringify(info));
    const argv = (opts.argv ?? defaultKernelArgv()).map((a) => a.replace('{connection_file}', connectionFile));
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd ?? process.cwd(),
      // As jupyter_client does: the kernel watches this process and ends when it dies.
      env: { ...(opts.env ?? process.env), JPY_PARENT_PID: String(process.pid) },
      stdio: ['ignore', 'ignore', opts.stderr === 'tail' ? 'pipe' : (opts.stderr ?? 'ignore')],
      detached: opts.processGroup === true,
    });
    const client = new KernelClient(info, child, tmpDir, connectionFile, opts.processGroup === true, opts.stderr === 'tail');
    client.connect();
    return client;
  }

  private connect(): void {
    const at = (port: number) => `tcp://${this.info.ip}:${port}`;
    this.shell.connect(at(this.info.shell_port));
    this.control.connect(at(this.info.control_port));
    this.stdin.connect(at(this.info.stdin_port));
    this.iopub.connect(at(this.info.iopub_port));
    this.iopub.subscribe();
    void this.readReplies(this.shell);
    void this.readReplies(this.control);
    void this.readIopub();
  }

  private async readReplies(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        let msg: JupyterMessage;
        try {
          msg = decodeFrames(this.info.key, frames);
        } catch {
          continue;
        }
        const id = msg.parent_header.msg_id;
        const w = id ? this.replyWaiters.get(id) : undefined;
        if (w) {
          this.replyWaiters.delete(id!);
          w.resolve(msg);
        }
      }
    } catch {
      // socket closed
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        let msg: JupyterMessage;
        try {
          msg = decodeFrames(this.info.key, frames);
        } catch {
          continue;
        }
        if (this.keepIopubLog) this.allIopub.push(msg);
        this.onIopub?.(msg);
        const id = msg.parent_header.msg_id;
        if (id) this.iopubListeners.get(id)?.(msg);
      }
    } catch {
      // socket closed
    }
  }

  /** Kernel info until the iopub subscription demonstrably works (ZeroMQ's slow-joiner problem). */
  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        const how = this.exitStatus?.signal ? `signal ${this.exitStatus.signal}` : `status ${this.exitStatus?.code}`;
        await this.stderrSettled();
        const said = this.stderrTail(5);
        const seeing = said.length > 0 ? `; it said:\n${said.join('\n')}` : '; run it by hand to see its error output';
        throw new Error(`the kernel exited during start-up (${how}${seeing})`);
      }
      let sawIopub = false;
      const msgId = this.send('shell', 'kernel_info_request', {});
      this.iopubListeners.set(msgId, () => (sawIopub = true));
      try {
        await this.waitReply(msgId, 1000);
        await new Promise((r) => setTimeout(r, 50));
        if (sawIopub) return;
      } catch {
        // not up yet
      } finally {
        this.iopubListeners.delete(msgId);
      }
    }
    throw new Error(`the kernel did not answer kernel_info within ${timeoutMs} ms`);
  }

  /** Sends a request; returns its msg_id. */
  send(channel: ClientChannel, msgType: string, content: JsonObject, opts: { metadata?: JsonObject; buffers?: Buffer[] } = {}): string {
    const header = newHeader(msgType, this.session, 'tunelab-client');
    const parts = serializeParts({ header, parent_header: {}, metadata: opts.metadata ?? {}, content });
    this.sendRaw(channel, encodeFrames(this.info.key, [], parts, opts.buffers ?? []));
    return header.msg_id;
  }

  /** Sends frames exactly as given (tests use it for forged or malformed messages). */
  sendRaw(channel: ClientChannel, frames: Buffer[]): Promise<void> {
    const sock = channel === 'shell' ? this.shell : channel === 'control' ? this.control : this.stdin;
    this.sendTails[channel] = this.sendTails[channel].then(() => sock.send(frames)).catch(() => undefined);
    return this.sendTails[channel];
  }

  /** Waits for the reply to `msgId`; `timeoutMs` Infinity waits as long as the kernel lives. */
  waitReply(msgId: string, timeoutMs = 60_000): Promise<JupyterMessage> {
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.replyWaiters.delete(msgId);
            reject(new Error(`no reply to ${msgId} within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
      this.replyWaiters.set(msgId, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /**
   * Sends a request and collects its reply and every iopub message parented to it until the idle
   * status. `onMessage` sees each iopub message as it arrives.
   */
  async request(
    channel: ClientChannel,
    msgType: string,
    content: JsonObject,
    opts: { metadata?: JsonObject; buffers?: Buffer[]; timeoutMs?: number; onMessage?: (m: JupyterMessage) => void } = {},
  ): Promise<ExecuteResult> {
    const header = newHeader(msgType, this.session, 'tunelab-client');
    this.lastRequestId = header.msg_id;
    const iopub: JupyterMessage[] = [];
    let idle!: () => void;
    const idleSeen = new Promise<void>((r) => (idle = r));
    this.iopubListeners.set(header.msg_id, (m) => {
      iopub.push(m);
      opts.onMessage?.(m);
      if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') idle();
    });
    const replyPromise = this.waitReply(header.msg_id, opts.timeoutMs ?? 600_000);
    const parts = serializeParts({ header, parent_header: {}, metadata: opts.metadata ?? {}, content });
    void this.sendRaw(channel, encodeFrames(this.info.key, [], parts, opts.buffers ?? []));
    try {
      const reply = await replyPromise;
      // The idle status normally arrives just after the reply; do not hang if it was lost.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idleSeen, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      return { reply, iopub };
    } finally {
      this.iopubListeners.delete(header.msg_id);
    }
  }

  /**
   * Sends a message that has no reply (comm_open, comm_msg, comm_close) and collects the iopub
   * messages parented to it until its idle status.
   */
  async sendAndWaitIdle(
    channel: ClientChannel,
    msgType: string,
    content: JsonObject,
    opts: { metadata?: JsonObject; buffers?: Buffer[]; timeoutMs?: number } = {},
  ): Promise<{ msgId: string; iopub: JupyterMessage[] }> {
    const header = newHeader(msgType, this.session, 'tunelab-client');
    const iopub: JupyterMessage[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no idle status for ${msgType} within ${opts.timeoutMs ?? 30_000} ms`)),
        opts.timeoutMs ?? 30_000,
      );
      this.iopubListeners.set(header.msg_id, (m) => {
        iopub.push(m);
        if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const parts = serializeParts({ header, parent_header: {}, metadata: opts.metadata ?? {}, content });
    void this.sendRaw(channel, encodeFrames(this.info.key, [], parts, opts.buffers ?? []));
    try {
      await done;
      return { msgId: header.msg_id, iopub };
    } finally {
      this.iopubListeners.delete(header.msg_id);
    }
  }

  /** Listens to iopub messages parented to a request sent by other means. */
  listen(msgId: string, fn: (m: JupyterMessage) => void): () => void {
    this.iopubListeners.set(msgId, fn);
    return () => this.iopubListeners.delete(msgId);
  }

  execute(
    code: string,
    opts: { timeoutMs?: number; onMessage?: (m: JupyterMessage) => void; stopOnError?: boolean } = {},
  ): Promise<ExecuteResult> {
    return this.request(
      'shell',
      'execute_request',
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: opts.stopOnError ?? true },
      opts,
    );
  }

  interrupt(): Promise<JupyterMessage> {
    const id = this.send('control', 'interrupt_request', {});
    return this.waitReply(id, 10_000);
  }

  /** shutdown_request on control, then waits for the process to exit (killing it if it will not). */
  async shutdown(timeoutMs = 5000): Promise<void> {
    if (!this.exited) {
      this.send('control', 'shutdown_request', { restart: false });
      const timer = setTimeout(() => this.killNow(), timeoutMs);
      await this.exitPromise;
      clearTimeout(timer);
    }
    // Processes a cell started and left running die with the kernel's group.
    if (this.leadsProcessGroup) this.killNow();
    this.closeSockets();
  }

  /** SIGKILL to the kernel, or to its whole process group (the processes its cells started) if it leads one. */
  async kill(): Promise<void> {
    this.killNow();
    if (!this.exited) await this.exitPromise;
    this.closeSockets();
  }

  /**
   * Sends SIGKILL at once, without waiting (for a signal handler that must exit right after). The
   * group is signalled even after the kernel itself has exited: a cell's children may outlive it.
   */
  killNow(): void {
    const pid = this.process.pid;
    if (this.leadsProcessGroup && pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
        return;
      } catch {
        // the group is empty already
      }
    }
    if (!this.exited) this.process.kill('SIGKILL');
  }

  waitForExit(): Promise<number | null> {
    return this.exitPromise;
  }

  private closeSockets(): void {
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) if (!s.closed) s.close();
    rmSync(this.tmpDir, { recursive: true, force: true });
  }
}
