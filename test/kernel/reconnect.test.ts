// A frontend that reconnects reuses its ZeroMQ identity: Jupyter's server names its sockets after
// the browser's session id, and @jupyterlab/services retries a websocket (without subprotocols)
// at once, so the new sockets connect while the kernel may not yet have seen the old ones go.
// ipykernel sets ROUTER_HANDOVER on shell, control and stdin for this (ipykernel#270, libzmq#2892);
// without it libzmq refuses the newcomer's connection, its requests vanish, and the frontend waits
// for a kernel_info_reply forever. Here the old connection stays open on purpose, the worst case.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as zmq from 'zeromq';
import type { KernelClient } from '../../kernel/runner/client';
import {
  decodeFrames,
  encodeFrames,
  newHeader,
  serializeParts,
  type JsonObject,
  type JupyterMessage,
  type MessageHeader,
} from '../../kernel/wire';
import { run, startKernel, waitFor } from './helpers';

type RouterChannel = 'shell' | 'control' | 'stdin';

/** A DEALER socket of one frontend connection, collecting what the kernel sends it. */
class Connection {
  readonly received: JupyterMessage[] = [];
  private readonly sock: zmq.Dealer;
  private handshaken = false;

  constructor(
    private readonly k: KernelClient,
    channel: RouterChannel,
    routingId: string,
  ) {
    // No automatic reconnect: a superseded connection must not take the identity back.
    this.sock = new zmq.Dealer({ routingId, linger: 0, reconnectInterval: -1 });
    const port = channel === 'shell' ? k.info.shell_port : channel === 'control' ? k.info.control_port : k.info.stdin_port;
    void this.watch();
    void this.read();
    this.sock.connect(`tcp://${k.info.ip}:${port}`);
  }

  private async read(): Promise<void> {
    try {
      for await (const frames of this.sock) this.received.push(decodeFrames(this.k.info.key, frames));
    } catch {
      // closed
    }
  }

  private async watch(): Promise<void> {
    try {
      for await (const event of this.sock.events) {
        if (event.type === 'handshake') this.handshaken = true;
      }
    } catch {
      // closed
    }
  }

  /** Resolves once the ZMTP handshake with the kernel is done (its identity is announced). */
  connected(): Promise<true> {
    return waitFor(() => this.handshaken || undefined, 15_000, 'the handshake with the kernel');
  }

  async send(msgType: string, content: JsonObject, parent: Partial<MessageHeader> = {}): Promise<string> {
    const header = newHeader(msgType, this.k.session, 'reconnect-test');
    await this.sock.send(encodeFrames(this.k.info.key, [], serializeParts({ header, parent_header: parent, metadata: {}, content }), []));
    return header.msg_id;
  }

  async reply(msgId: string, what: string): Promise<JupyterMessage> {
    return waitFor(() => this.received.find((m) => m.parent_header.msg_id === msgId), 15_000, what);
  }

  async request(msgType: string, content: JsonObject = {}): Promise<JupyterMessage> {
    return this.reply(await this.send(msgType, content), `the reply to ${msgType}`);
  }

  close(): void {
    this.sock.close();
  }
}

describe('tunelab kernel: a frontend reconnecting with its old ZeroMQ identity', () => {
  let k: KernelClient;
  const open: Connection[] = [];
  const connect = (channel: RouterChannel, id: string) => {
    const c = new Connection(k, channel, id);
    open.push(c);
    return c;
  };
  before(async () => {
    k = await startKernel();
  });
  after(async () => {
    for (const c of open) c.close();
    await k?.shutdown();
  });

  for (const channel of ['shell', 'control'] as const) {
    it(`is served on ${channel} while its previous connection is still open`, async () => {
      const id = `frontend-${randomUUID()}`;
      const old = connect(channel, id);
      await old.connected();
      assert.equal((await old.request('kernel_info_request')).header.msg_type, 'kernel_info_reply');
      const fresh = connect(channel, id);
      const reply = await fresh.request('kernel_info_request');
      assert.equal(reply.header.msg_type, 'kernel_info_reply');
      assert.equal(reply.content.status, 'ok');
      // The reply went to the new connection only.
      assert.equal(old.received.length, 1);
    });
  }

  it('gets input_request on stdin while its previous stdin connection is still open', async () => {
    const id = `frontend-${randomUUID()}`;
    const shell = connect('shell', id);
    const oldStdin = connect('stdin', id);
    await oldStdin.connected();
    const freshStdin = connect('stdin', id);
    await freshStdin.connected();
    const content = {
      code: "input('name?')",
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: true,
      stop_on_error: true,
    };
    const executeId = await shell.send('execute_request', content);
    const request = await waitFor(
      () => freshStdin.received.find((m) => m.header.msg_type === 'input_request'),
      15_000,
      'an input_request on the new stdin connection',
    );
    assert.equal(request.content.prompt, 'name?');
    assert.equal(oldStdin.received.length, 0);
    await freshStdin.send('input_reply', { value: 'ada' }, request.header);
    const reply = await shell.reply(executeId, 'the execute_reply');
    assert.equal(reply.content.status, 'ok');
    await run(k, '1');
  });
});
