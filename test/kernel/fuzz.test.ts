// A seeded fuzz test of the kernel's wire protocol: FUZZ_MESSAGES messages of malformed frames, bad
// signatures, frames that are not the JSON they should be, and signed messages with random headers
// and contents, on shell, control and stdin, among them comm messages with hostile buffer paths and
// state to a live widget. Afterwards the kernel must be alive, its prototypes clean, its widget
// intact, and it must execute a cell correctly.
//
// Not sent: a correctly signed shutdown_request or interrupt_request (they do what they say; their
// malformed and forged variants are sent), and code that never ends (an execute_request's code is
// random text or one of the hostile snippets below).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { KernelClient, ClientChannel } from '../../kernel/runner/client';
import { DELIMITER, newHeader, sign } from '../../kernel/wire';
import { ofType, resultText, run, startKernel, stdout } from './helpers';

const FUZZ_SEED = 0x7e57ab1e;
const FUZZ_MESSAGES = 2000;

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof generator>;

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '',
  'length',
  '0',
  '-1',
  'then',
  'buffer_paths',
  'state',
  'method',
  'value',
];
const HOSTILE_STRINGS = [
  '',
  '\u0000',
  '\ud800',
  '💥',
  '<IDS|MSG>',
  '"}',
  '${x}',
  '\\',
  'a'.repeat(5000),
  '__proto__',
  'NaN',
  '-0',
  'jupyter.widget',
  'tunelab.study',
];

function randomString(r: Rng): string {
  if (r.chance(0.4)) return r.pick(HOSTILE_STRINGS);
  let s = '';
  const n = r.int(40);
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.9) ? 32 + r.int(95) : r.int(0x3000));
  return s;
}

function randomJson(r: Rng, depth = 0): unknown {
  const kind = r.int(depth > 3 ? 5 : 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, 4294967296, -2147483649, r.int(1000)]);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(5) }, () => randomJson(r, depth + 1));
    default: {
      // A null-prototype object, so that "__proto__" becomes an own key of the JSON text.
      const o = Object.create(null) as Record<string, unknown>;
      for (let i = r.int(5); i > 0; i--) o[r.chance(0.5) ? r.pick(HOSTILE_KEYS) : randomString(r)] = randomJson(r, depth + 1);
      return o;
    }
  }
}

const REQUEST_TYPES = [
  'execute_request',
  'inspect_request',
  'complete_request',
  'history_request',
  'is_complete_request',
  'comm_info_request',
  'kernel_info_request',
  'debug_request',
  'usage_request',
  'input_reply',
  'comm_open',
  'comm_msg',
  'comm_close',
  'execute_reply',
  'status',
  'no_such_request',
  '',
  '__proto__',
  'constructor',
  'toString',
];

/** Code for execute_request: each ends quickly, whatever it does. */
const SNIPPETS = [
  'throw null',
  'throw undefined',
  'throw Object.create(null)',
  'Promise.reject(Object.create(null))',
  'display(Object.create(null))',
  'display({ [Symbol.toPrimitive]() { throw new Error("no") } })',
  'clearOutput({ wait: true })',
  'new Array(-1)',
  '"\\u0000\\ud800"',
  'Symbol("s")',
  '10n ** 100n',
  '('.repeat(60),
  'let',
  'const x: number = "s"',
  'await input("?")',
  'console.log("\\u001b[31mred")',
  'setTimeout(() => { throw new Error("later") }, 0)',
  '',
];

/** Content for a request of this type: the right field names with random values, or random keys. */
function randomContent(r: Rng, type: string, commIds: string[]): unknown {
  if (r.chance(0.15)) return randomJson(r);
  const c = Object.create(null) as Record<string, unknown>;
  const maybe = (v: () => unknown) => (r.chance(0.8) ? v() : randomJson(r));
  switch (type) {
    case 'execute_request':
      c.code = maybe(() => (r.chance(0.5) ? r.pick(SNIPPETS) : randomString(r)));
      c.silent = maybe(() => r.chance(0.3));
      c.store_history = maybe(() => r.chance(0.5));
      c.user_expressions = maybe(() => ({ a: randomString(r) }));
      c.allow_stdin = maybe(() => r.chance(0.5));
      c.stop_on_error = maybe(() => r.chance(0.5));
      break;
    case 'inspect_request':
    case 'complete_request':
    case 'is_complete_request':
      c.code = maybe(() => randomString(r));
      c.cursor_pos = maybe(() => r.pick([0, -5, 3, 1e9, 2.5]));
      c.detail_level = maybe(() => r.int(3));
      break;
    case 'history_request':
      c.hist_access_type = maybe(() => r.pick(['tail', 'range', 'search', 'nope', '__proto__']));
      for (const k of ['n', 'session', 'start', 'stop']) c[k] = maybe(() => r.pick([0, -1, 10, 1e12, -1e12, 2.5]));
      c.pattern = maybe(() => randomString(r));
      c.output = maybe(() => r.chance(0.5));
      c.raw = maybe(() => r.chance(0.5));
      c.unique = maybe(() => r.chance(0.5));
      break;
    case 'input_reply':
      c.value = maybe(() => randomString(r));
      break;
    case 'comm_info_request':
      c.target_name = maybe(() => randomString(r));
      break;
    case 'comm_open':
    case 'comm_msg':
    case 'comm_close':
      c.comm_id = maybe(() => (commIds.length > 0 && r.chance(0.6) ? r.pick(commIds) : randomString(r)));
      c.target_name = maybe(() => r.pick(['jupyter.widget', 'jupyter.widget.control', 'tunelab', randomString(r)]));
      c.data = maybe(() => {
        const d = Object.create(null) as Record<string, unknown>;
        d.method = maybe(() => r.pick(['update', 'request_state', 'custom', 'echo_update', randomString(r)]));
        d.state = maybe(() => {
          const s = Object.create(null) as Record<string, unknown>;
          for (let i = r.int(4); i > 0; i--)
            s[r.pick(['value', 'min', 'max', 'step', 'description', 'disabled', '_model_name', '_view_name', 'layout', ...HOSTILE_KEYS])] =
              randomJson(r);
          return s;
        });
        d.buffer_paths = maybe(() =>
          Array.from({ length: r.int(3) }, () =>
            Array.from({ length: 1 + r.int(4) }, () => (r.chance(0.2) ? r.int(3) : r.pick(HOSTILE_KEYS))),
          ),
        );
        d.content = maybe(() => randomJson(r));
        return d;
      });
      break;
    default:
      for (let i = r.int(4); i > 0; i--) c[r.pick(HOSTILE_KEYS)] = randomJson(r);
  }
  return c;
}

function randomBytes(r: Rng, max: number): Buffer {
  return Buffer.from(Array.from({ length: r.int(max) }, () => r.int(256)));
}

type Category =
  'malformed frames' | 'bad signature' | 'signed non-JSON or wrong-typed frames' | 'signed random request' | 'signed comm message';

interface FuzzMessage {
  category: Category;
  channel: ClientChannel;
  frames: Buffer[];
}

function fuzzMessage(r: Rng, key: string, session: string, commIds: string[]): FuzzMessage {
  const channel = r.pick<ClientChannel>(['shell', 'control', 'stdin']);
  const roll = r.next();
  const jsonFrames = (type: string, content: unknown) => {
    const header = newHeader(type, session, 'fuzz');
    if (r.chance(0.2)) (header as unknown as Record<string, unknown>)[r.pick(['version', 'date', 'username', 'session'])] = randomJson(r);
    return [
      JSON.stringify(header),
      JSON.stringify(r.chance(0.8) ? {} : randomJson(r)),
      JSON.stringify(r.chance(0.8) ? {} : randomJson(r)),
      JSON.stringify(content) ?? 'null',
    ];
  };
  const signed = (json: string[], buffers: Buffer[] = []) => [
    DELIMITER,
    Buffer.from(sign(key, json)),
    ...json.map((j) => Buffer.from(j)),
    ...buffers,
  ];

  if (roll < 0.15) {
    // Random frames: no delimiter, a delimiter with too few frames after it, garbage identities.
    const frames = Array.from({ length: r.int(8) }, () => randomBytes(r, 64));
    if (r.chance(0.5)) frames.splice(r.int(frames.length + 1), 0, DELIMITER);
    if (frames.length === 0) frames.push(Buffer.alloc(0));
    return { category: 'malformed frames', channel, frames };
  }
  if (roll < 0.3) {
    // A well-formed message whose signature is wrong, empty, or for other frames; shutdown and
    // interrupt requests included.
    const type = r.pick([...REQUEST_TYPES, 'shutdown_request', 'interrupt_request']);
    const json = jsonFrames(type, randomContent(r, type, commIds));
    const bad = r.pick([
      Buffer.alloc(0),
      Buffer.from(sign(key, json).replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))),
      Buffer.from(sign('not the key', json)),
      randomBytes(r, 80),
    ]);
    return { category: 'bad signature', channel, frames: [DELIMITER, bad, ...json.map((j) => Buffer.from(j))] };
  }
  if (roll < 0.45) {
    // Correctly signed, but a frame is not JSON, or the header is not an object with string ids.
    const slot = r.int(4);
    // (A shutdown or interrupt request whose header survives is a valid one: only its header is spoilt.)
    const json = jsonFrames(slot === 0 ? r.pick([...REQUEST_TYPES, 'shutdown_request', 'interrupt_request']) : r.pick(REQUEST_TYPES), {});
    json[slot] = r.pick([
      '',
      '{',
      'null',
      '[]',
      '"header"',
      '{"msg_id": 1, "msg_type": "execute_request"}',
      '{"msg_id": "x", "msg_type": ["shutdown_request"]}',
      '{"msg_id": "x", "msg_type": "shutdown_request"',
      '\u0000',
      JSON.stringify(randomJson(r)),
    ]);
    return { category: 'signed non-JSON or wrong-typed frames', channel, frames: signed(json) };
  }
  if (roll < 0.75) {
    const type = r.pick(REQUEST_TYPES);
    return { category: 'signed random request', channel, frames: signed(jsonFrames(type, randomContent(r, type, commIds))) };
  }
  const type = r.pick(['comm_open', 'comm_msg', 'comm_msg', 'comm_close']);
  const buffers = Array.from({ length: r.int(3) }, () => randomBytes(r, 16));
  return {
    category: 'signed comm message',
    channel: r.chance(0.8) ? 'shell' : channel,
    frames: signed(jsonFrames(type, randomContent(r, type, commIds)), buffers),
  };
}

describe('tunelab kernel: wire protocol fuzzing', () => {
  let k: KernelClient;
  let kernelLog = '';
  before(async () => {
    k = await startKernel({ stderr: 'pipe' });
    k.process.stderr!.on('data', (c: Buffer) => (kernelLog += c.toString()));
    k.keepIopubLog = false;
  });
  after(async () => {
    await k?.shutdown();
  });

  it(`survives ${FUZZ_MESSAGES} hostile messages (seed ${FUZZ_SEED.toString(16)}) and still executes cells correctly`, async () => {
    const opened = await run(
      k,
      "import { IntSlider } from 'tunelab/widgets';\nconst fuzzSlider = new IntSlider({ value: 3, min: 0, max: 10 });\nfuzzSlider",
    );
    const commIds = ofType(opened, 'comm_open').map((m) => String(m.content.comm_id));
    assert.ok(commIds.length > 0, 'the slider opened no comm');
    const protoNames =
      'JSON.stringify([Object, Array, Function, String, Number, Promise].map((c) => Object.getOwnPropertyNames(c.prototype).sort()))';
    const cleanPrototypes = resultText(await run(k, protoNames));

    const r = generator(FUZZ_SEED);
    const counts = new Map<string, number>();
    for (let i = 0; i < FUZZ_MESSAGES; i++) {
      const m = fuzzMessage(r, k.info.key, k.session, commIds);
      const label = `${m.category} on ${m.channel}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      await k.sendRaw(m.channel, m.frames);
      assert.ok(k.isAlive, `the kernel died at fuzz message ${i} (${label}); its log:\n${kernelLog.slice(-4000)}`);
    }
    console.log(
      `fuzz: ${FUZZ_MESSAGES} messages, seed ${FUZZ_SEED.toString(16)}:\n${[...counts]
        .sort()
        .map(([c, n]) => `  ${c}: ${n}`)
        .join('\n')}`,
    );

    // Executes are served in order: this reply comes after every fuzzed cell has run.
    const check = await k
      .execute('console.log("after the fuzz"); 6 * 7', { timeoutMs: 120_000, stopOnError: false })
      .catch(async (err: Error) => {
        await k.stderrSettled();
        if (process.env.FUZZ_LOG) writeFileSync(process.env.FUZZ_LOG, kernelLog);
        const interesting = kernelLog.split('\n').filter((l) => !/: ignored |: refused /.test(l));
        throw new Error(
          `${err.message} (${JSON.stringify(k.exitStatus)}); kernel log without the ignored/refused lines:\n${interesting.slice(-60).join('\n')}`,
        );
      });
    assert.equal(check.reply.content.status, 'ok', `${JSON.stringify(check.reply.content)}\nkernel log:\n${kernelLog.slice(-4000)}`);
    assert.equal(resultText(check), '42');
    assert.equal(stdout(check), 'after the fuzz\n');
    const info = await k.request('control', 'kernel_info_request', {}, { timeoutMs: 10_000 });
    assert.equal(info.reply.content.status, 'ok');
    assert.ok(k.isAlive);
    assert.equal(resultText(await run(k, protoNames)), cleanPrototypes, 'a prototype gained or lost properties');
    assert.equal(
      resultText(
        await run(
          k,
          '({} as any).polluted === undefined && typeof fuzzSlider.value === "number" && fuzzSlider.value >= 0 && fuzzSlider.value <= 10',
        ),
      ),
      'true',
    );
    assert.doesNotMatch(kernelLog, /socket thread failed|could not start|FATAL/, kernelLog.slice(-4000));
  });

  it('a request field of the wrong type gets an error reply naming the field (found by the fuzz test)', async () => {
    for (const [type, content, field] of [
      ['is_complete_request', { code: [{ toString: null }] }, 'content.code must be a string, got an array'],
      ['complete_request', { code: 'x', cursor_pos: { valueOf: null } }, 'content.cursor_pos must be a number, got an object'],
      ['inspect_request', { code: 42, cursor_pos: 0 }, 'content.code must be a string, got number 42'],
    ] as const) {
      const r = await k.request('shell', type, content, { timeoutMs: 30_000 });
      assert.equal(r.reply.content.status, 'error', JSON.stringify(r.reply.content));
      assert.equal(r.reply.content.ename, 'RequestFieldError');
      assert.equal(r.reply.content.evalue, `${type}: ${field}`);
    }
    assert.equal(resultText(await run(k, '1 + 1')), '2');
  });
});
