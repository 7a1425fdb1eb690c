// input(): Jupyter's stdin channel. A frontend that allows stdin gets input_request on its stdin
// socket (same ZeroMQ identity as its shell socket, as jupyter_client sets it up) and answers with
// input_reply; a frontend that does not (allow_stdin false: nbclient, `tunelab run`) makes input()
// fail at once with a clear error.
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
import { ofType, resultText, run, startKernel, waitFor } from './helpers';

/**
 * A frontend that answers input requests: shell and stdin DEALER sockets sharing one routing id
 * (what the kernel's stdin ROUTER addresses), iopub through the KernelClient that started the kernel.
 */
class StdinFrontend {
  private readonly id = `frontend-${randomUUID()}`;
  private readonly shell = new zmq.Dealer({ routingId: this.id, linger: 0 });
  private readonly stdin = new zmq.Dealer({ routingId: this.id, linger: 0 });
  private readonly replies = new Map<string, (m: JupyterMessage) => void>();
  readonly inputRequests: JupyterMessage[] = [];

  constructor(private readonly k: KernelClient) {
    this.shell.connect(`tcp://${k.info.ip}:${k.info.shell_port}`);
    this.stdin.connect(`tcp://${k.info.ip}:${k.info.stdin_port}`);
    void this.read(this.shell, (m) => this.replies.get(String(m.parent_header.msg_id))?.(m));
    void this.read(this.stdin, (m) => this.inputRequests.push(m));
  }

  private async read(sock: zmq.Dealer, onMessage: (m: JupyterMessage) => void): Promise<void> {
    try {
      for await (const frames of sock) onMessage(decodeFrames(this.k.info.key, frames));
    } catch {
      // closed
    }
  }

  private async send(sock: zmq.Dealer, msgType: string, content: JsonObject, parent: Partial<MessageHeader> = {}): Promise<string> {
    const header = newHeader(msgType, this.k.session, 'stdin-frontend');
    await sock.send(encodeFrames(this.k.info.key, [], serializeParts({ header, parent_header: parent, metadata: {}, content }), []));
    return header.msg_id;
  }

  /** Sends an execute_request allowing stdin; resolves with the reply and the iopub messages up to idle. */
  async execute(code: string): Promise<{ reply: JupyterMessage; iopub: JupyterMessage[] }> {
    const header = newHeader('execute_request', this.k.session, 'stdin-frontend');
    const iopub: JupyterMessage[] = [];
    let idle!: () => void;
    const idleSeen = new Promise<void>((r) => (idle = r));
    const stop = this.k.listen(header.msg_id, (m) => {
      iopub.push(m);
      if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') idle();
    });
    const reply = new Promise<JupyterMessage>((r) => this.replies.set(header.msg_id, r));
    const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true };
    await this.shell.send(encodeFrames(this.k.info.key, [], serializeParts({ header, parent_header: {}, metadata: {}, content }), []));
    const r = await reply;
    await idleSeen;
    stop();
    return { reply: r, iopub };
  }

  async nextInputRequest(): Promise<JupyterMessage> {
    const seen = this.inputRequests.length;
    return waitFor(() => this.inputRequests[seen], 60_000, 'an input_request on stdin');
  }

  answer(request: JupyterMessage, value: string): Promise<string> {
    return this.send(this.stdin, 'input_reply', { value }, request.header);
  }

  close(): void {
    this.shell.close();
    this.stdin.close();
  }
}

describe('tunelab kernel: input() over the stdin channel', () => {
  let k: KernelClient;
  let frontend: StdinFrontend;
  before(async () => {
    k = await startKernel();
    frontend = new StdinFrontend(k);
  });
  after(async () => {
    frontend?.close();
    await k?.shutdown();
  });

  it('asks the frontend that sent the cell and resolves with its answer', async () => {
    const exec = frontend.execute("const name = await input('who? ');\nname.toUpperCase()");
    const request = await frontend.nextInputRequest();
    assert.equal(request.header.msg_type, 'input_request');
    assert.deepEqual(request.content, { prompt: 'who? ', password: false });
    await frontend.answer(request, 'ada');
    const r = await exec;
    assert.equal(r.reply.content.status, 'ok', JSON.stringify(r.reply.content));
    assert.equal(request.parent_header.msg_id, r.reply.parent_header.msg_id, 'the input_request is parented to the execute_request');
    assert.equal(ofType(r.iopub, 'execute_result').map((m) => (m.content.data as JsonObject)['text/plain'])[0], "'ADA'");
  });

  it('passes password: true and allows one pending request at a time', async () => {
    const exec = frontend.execute(
      "const first = input('secret: ', { password: true });\n" +
        "const second = await input('again? ').catch((e: Error) => `${e.name}: ${e.message}`);\n" +
        "(await first) + ' | ' + second",
    );
    const request = await frontend.nextInputRequest();
    assert.deepEqual(request.content, { prompt: 'secret: ', password: true });
    await frontend.answer(request, 'hunter2');
    const r = await exec;
    assert.equal(r.reply.content.status, 'ok', JSON.stringify(r.reply.content));
    const text = String(ofType(r.iopub, 'execute_result').map((m) => (m.content.data as JsonObject)['text/plain'])[0]);
    assert.match(text, /^'hunter2 \| InputRequestError: input\(\): another input request is still waiting/);
    assert.equal(
      frontend.inputRequests.filter((m) => m.content.prompt === 'again? ').length,
      0,
      'the second request never reached the frontend',
    );
  });

  it('an interrupt rejects the waiting input(); a late answer is ignored and the kernel goes on', async () => {
    const exec = frontend.execute("const never = await input('wait: ');\nnever");
    const request = await frontend.nextInputRequest();
    const reply = await k.interrupt();
    assert.equal(reply.content.status, 'ok');
    const r = await exec;
    assert.equal(r.reply.content.status, 'error');
    assert.equal(r.reply.content.ename, 'Interrupted');
    assert.deepEqual(
      ofType(r.iopub, 'error').map((m) => m.content.ename),
      ['Interrupted'],
      'one error output, no stray rejection',
    );
    await frontend.answer(request, 'too late');
    assert.equal(resultText(await run(k, '6 * 7')), '42');
  });

  it('fails at once, saying what to do, when the frontend does not allow stdin (as nbclient and tunelab run)', async () => {
    const r = await k.execute("const name = await input('who? ');\nname");
    assert.equal(r.reply.content.status, 'error');
    assert.equal(r.reply.content.ename, 'StdinNotAllowedError');
    assert.match(String(r.reply.content.evalue), /does not accept input/);
    assert.match(String(r.reply.content.evalue), /parameter/);
    // The type checker knows input() as well.
    const typed = await k.execute("const n: number = await input('x');");
    assert.equal(typed.reply.content.ename, 'TypeScriptError');
  });
});
