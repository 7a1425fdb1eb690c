// iopub's drop policy (kernel/iopubFlow.ts) against a socket whose room the test controls: what is
// kept, what is dropped, in which order things arrive, and when the single notice is given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IopubFlow, type DroppedOutput } from '../../kernel/iopubFlow';
import { sleep, waitFor } from './helpers';

/** A PUB socket with one subscriber whose queue holds `room` more messages (ZMQ_XPUB_NODROP semantics). */
class FakePublisher {
  noDrop = false;
  room = Infinity;
  /** What the subscriber received. */
  readonly delivered: string[] = [];
  /** Sent in lossy mode while there was no room: dropped for this subscriber. */
  readonly lostInLossyMode: string[] = [];
  send(frames: Array<Buffer | string>): Promise<void> {
    const label = String(frames[0]);
    if (this.room <= 0) {
      if (this.noDrop) return Promise.reject(Object.assign(new Error('Resource temporarily unavailable'), { code: 'EAGAIN' }));
      this.lostInLossyMode.push(label);
      return Promise.resolve();
    }
    this.room--;
    this.delivered.push(label);
    return Promise.resolve();
  }
}

function setup(timing: { stuckAfterMs?: number; probeEveryMs?: number } = {}) {
  const socket = new FakePublisher();
  const notices: DroppedOutput[] = [];
  const flow = new IopubFlow(
    socket as never,
    () => undefined,
    (l) => notices.push(l),
    timing,
  );
  const send = (type: string, label = type) => flow.send(type, [label], JSON.stringify({ msg_id: 'cell' }));
  return { socket, notices, flow, send };
}

describe('tunelab kernel: iopub drop policy', () => {
  it('a subscriber without room: status and results wait and arrive in order, stream output is dropped, one notice once it has room', async () => {
    const { socket, notices, flow, send } = setup();
    socket.room = 2;
    // As a cell's synchronous code does: everything is sent before any failure is known.
    send('status', 'busy');
    send('execute_input');
    for (let i = 0; i < 5; i++) send('stream', `stream ${i}`);
    send('update_display_data');
    send('display_data');
    send('execute_result');
    send('status', 'idle');
    await sleep(50);
    assert.deepEqual(socket.delivered, ['busy', 'execute_input']);
    socket.room = Infinity;
    await waitFor(() => socket.delivered.includes('idle'), 5000, `idle to arrive (got ${socket.delivered.join(', ')})`);
    assert.deepEqual(socket.delivered, ['busy', 'execute_input', 'display_data', 'execute_result', 'idle']);
    assert.equal(notices.length, 1);
    assert.equal(notices[0].dropped, 6, 'five stream messages and a display update');
    assert.equal(notices[0].missedByStalled, 0);
    // Back to direct sends: later output flows and no second notice comes.
    send('stream', 'later');
    await sleep(20);
    assert.equal(socket.delivered.at(-1), 'later');
    assert.equal(notices.length, 1);
    flow.close();
  });

  it('messages the kernel keeps are never dropped for a subscriber that makes room before it counts as stalled', async () => {
    const { socket, flow, send } = setup({ stuckAfterMs: 60_000 });
    socket.room = 0;
    send('status', 'busy');
    send('comm_msg');
    send('execute_result');
    send('status', 'idle');
    await sleep(100);
    assert.deepEqual(socket.delivered, []);
    socket.room = Infinity;
    await waitFor(() => socket.delivered.length === 4, 5000, 'the queued messages');
    assert.deepEqual(socket.delivered, ['busy', 'comm_msg', 'execute_result', 'idle']);
    assert.deepEqual(socket.lostInLossyMode, []);
    flow.close();
  });

  it('a subscriber that makes no room is treated as gone after stuckAfterMs; a probe finds it back', async () => {
    const { socket, notices, flow, send } = setup({ stuckAfterMs: 100, probeEveryMs: 50 });
    socket.room = 0;
    send('status', 'busy');
    send('status', 'idle');
    // Sent in lossy mode after the stall: they reach the others (here: nobody), the kernel moves on.
    await waitFor(() => socket.lostInLossyMode.length === 2, 5000, 'the stalled messages to be given up');
    assert.deepEqual(socket.lostInLossyMode, ['busy', 'idle']);
    // While stalled, later messages do not wait for it (directly, or after one failed probe).
    send('status', 'busy 2');
    await waitFor(() => socket.lostInLossyMode.length === 3, 5000, 'the next message to go out lossy');
    assert.deepEqual(socket.lostInLossyMode, ['busy', 'idle', 'busy 2']);
    socket.room = Infinity;
    await sleep(100); // past a probe
    send('status', 'back');
    await waitFor(() => notices.length === 1, 5000, 'the notice');
    assert.ok(notices[0].missedByStalled >= 3, JSON.stringify(notices[0]));
    assert.equal(socket.delivered.at(-1), 'back');
    flow.close();
  });
});
