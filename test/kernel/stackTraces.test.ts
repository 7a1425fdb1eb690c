// Runtime errors point at the lines the user wrote. A cell runs as tslab's compiled JavaScript
// (types, comments and blank lines gone, export lines added) inside the kernel's wrapper and loop
// guard; kernel/cellPositions.ts maps each frame back. The expected positions are read from the
// cells' own text: the line holding a marker comment, and the column of the expression V8 reports
// (a `new`, or the name of the function called). Needs the build (`npm run build`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { ofType, startKernel } from './helpers';

/** `cell[N]:line:column` of the expression `at` on the line marked `// <marker>`. */
function site(cell: number, source: string, marker: string, at: string): string {
  const lines = source.split('\n');
  const line = lines.findIndex((l) => l.endsWith(`// ${marker}`));
  assert.ok(line >= 0, `no line is marked ${marker}`);
  const column = lines[line].indexOf(at);
  assert.ok(column >= 0, `${at} is not on the line marked ${marker}`);
  return `cell[${cell}]:${line + 1}:${column + 1}`;
}

const HELPERS = `// Helpers defined in one cell, called from the next.

interface Options { depth: number; label?: string }

/** Throws at a depth. */
function descend(options: Options): number {
  const { depth } = options;
  if (depth === 0) {
    throw new RangeError(\`bottom reached by \${options.label ?? 'someone'}\`); // throw-site
  }
  return descend({ ...options, depth: depth - 1 }) + 1; // recursion-site
}

enum Colour { Red, Green }
class Walker {
  constructor(private readonly start: number) {}
  walk(): number {
    return descend({ depth: this.start, label: Colour[Colour.Green] }); // method-site
  }
}
`;

const CALLER = `const walkers: Walker[] = [new Walker(2)];

let total = 0;
for (const w of walkers) {
  total += w.walk(); // loop-site
}
`;

const ASYNC = `const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function later(x: number): Promise<number> {
  await wait(1);
  if (x > 0) throw new TypeError('later failed'); // async-throw-site
  return x;
}
const results: number[] = [];
results.push(await later(1)); // await-site
`;

const STUDY = `import { createStudy } from 'tunelab';
const study = await createStudy();
await study.optimize((trial) => {
  const x = trial.suggestFloat('x', 0, 1);
  if (x >= 0) throw new Error('objective failed'); // objective-site
  return x;
}, { nTrials: 1, catch: true });
`;

describe('tunelab kernel: runtime stack traces point at the cells as written', () => {
  let k: KernelClient;
  before(async () => {
    k = await startKernel();
  });
  after(async () => {
    await k.shutdown();
  });

  it('names the lines and columns of a throw, a recursion, a method and a loop across two cells, without the wrapper or the exports proxy', async () => {
    assert.equal((await k.execute(HELPERS)).reply.content.status, 'ok');
    const r = await k.execute(CALLER);
    assert.equal(r.reply.content.status, 'error');
    assert.deepEqual(r.reply.content.traceback, [
      'RangeError: bottom reached by Green',
      `    at descend (${site(1, HELPERS, 'throw-site', 'new RangeError')})`,
      `    at descend (${site(1, HELPERS, 'recursion-site', 'descend(')})`,
      `    at descend (${site(1, HELPERS, 'recursion-site', 'descend(')})`,
      `    at Walker.walk (${site(1, HELPERS, 'method-site', 'descend(')})`,
      `    at ${site(2, CALLER, 'loop-site', 'walk()')}`,
    ]);
  });

  it('names the lines of an async function and of the top-level await that awaited it', async () => {
    const r = await k.execute(ASYNC);
    assert.equal(r.reply.content.status, 'error');
    const traceback = r.reply.content.traceback as string[];
    assert.equal(traceback[0], 'TypeError: later failed');
    assert.equal(traceback[1], `    at later (${site(3, ASYNC, 'async-throw-site', 'new TypeError')})`);
    // V8 places an awaiting frame at its await.
    assert.equal(traceback[2], `    at async ${site(3, ASYNC, 'await-site', 'await')}`);
    assert.equal(traceback.length, 3, traceback.join('\n'));
  });

  it("a study's log of a failed trial reads the objective's line too (every error's stack is mapped)", async () => {
    const r = await k.execute(STUDY);
    assert.equal(r.reply.content.status, 'ok', JSON.stringify(r.reply.content));
    const stderr = ofType(r, 'stream')
      .filter((m) => m.content.name === 'stderr')
      .map((m) => String(m.content.text))
      .join('');
    assert.match(stderr, /Trial 0 failed with parameters/);
    // The objective is anonymous: no name V8 guessed from tslab's `exports.tsLastExpr = ...`.
    assert.ok(stderr.split('\n').includes(`    at ${site(4, STUDY, 'objective-site', 'new Error')}`), stderr);
  });

  it('err.stack read in a cell (and console.error(err)) ends at the cell: no vm, executor or kernel frames below it', async () => {
    const READ = [
      "function h() { return new Error('in fn'); } // h-site",
      'console.error(h()); // logged-site',
      'console.log(h().stack)',
    ].join('\n');
    const r = await k.execute(READ);
    assert.equal(r.reply.content.status, 'ok', JSON.stringify(r.reply.content));
    const cell = Number(r.reply.content.execution_count);
    const streams = (name: string) =>
      ofType(r, 'stream')
        .filter((m) => m.content.name === name)
        .map((m) => String(m.content.text))
        .join('');
    const inH = `    at h (${site(cell, READ, 'h-site', 'new Error')})`;
    assert.equal(streams('stderr'), ['Error: in fn', inH, `    at ${site(cell, READ, 'logged-site', 'h()')}`, ''].join('\n'));
    // The last line, without a semicolon: the wrapper's call once read as a frame on it.
    assert.equal(streams('stdout'), ['Error: in fn', inH, `    at cell[${cell}]:3:13`, ''].join('\n'));
  });

  it("keeps the frames of tunelab's engine that the cell called, and drops the runtime's below a timer's callback", async () => {
    const ENGINE = [
      "import { runWithSeed } from 'tunelab';",
      "const seeded = runWithSeed(1, () => new Error('seeded').stack!); // callback-site",
      'console.log(seeded);',
      "setTimeout(() => console.log(new Error('timer').stack), 0); // timer-site",
      'await new Promise((r) => setTimeout(r, 50));',
    ].join('\n');
    const r = await k.execute(ENGINE);
    assert.equal(r.reply.content.status, 'ok', JSON.stringify(r.reply.content));
    const cell = Number(r.reply.content.execution_count);
    const printed = ofType(r, 'stream')
      .filter((m) => m.content.name === 'stdout')
      .map((m) => String(m.content.text))
      .join('');
    const [seeded, timer] = printed.split(/\n(?=Error: timer)/);
    const frames = seeded.trim().split('\n').slice(1);
    assert.equal(frames[0], `    at ${site(cell, ENGINE, 'callback-site', 'new Error')}`, seeded);
    assert.ok(
      frames.some((f) => /^ {4}at runWithSeed \(.*[/\\]dist[/\\]src[/\\]reproducibility[/\\]context\.js:\d+:\d+\)$/.test(f)),
      `the engine's frame is kept:\n${seeded}`,
    );
    // V8 places a call through an import binding (`(0, tunelab_1.runWithSeed)(...)`) at its arguments.
    assert.equal(frames.at(-1), `    at ${site(cell, ENGINE, 'callback-site', '(1, ')}`, seeded);
    assert.doesNotMatch(seeded, /node:vm|dist[/\\]kernel/);
    assert.equal(timer.trim(), ['Error: timer', `    at Timeout._onTimeout (${site(cell, ENGINE, 'timer-site', 'new Error')})`].join('\n'));
  });

  it("a widget's callback that throws names its line in the cell under the handler's failure", async () => {
    const HANDLER = [
      "import { getCommTransport } from 'tunelab/widgets';",
      "getCommTransport()!.registerTarget('test.throwing', (comm: any) => {",
      '  comm.onMsg((data: any) => {',
      "    if (data.bad) throw new TypeError('the callback failed'); // callback-site",
      '  });',
      '});',
      '',
    ].join('\n');
    const registered = await k.execute(HANDLER);
    assert.equal(registered.reply.content.status, 'ok', JSON.stringify(registered.reply.content));
    const cell = Number(registered.reply.content.execution_count);
    await k.sendAndWaitIdle('shell', 'comm_open', { comm_id: 'feed', target_name: 'test.throwing', data: {} });
    const msg = await k.sendAndWaitIdle('shell', 'comm_msg', { comm_id: 'feed', data: { bad: true } });
    const stderr = ofType(msg.iopub, 'stream')
      .filter((m) => m.content.name === 'stderr')
      .map((m) => String(m.content.text))
      .join('');
    assert.match(stderr, /^comm_msg handler of test\.throwing failed: TypeError: the callback failed\n/);
    // The callback is an anonymous arrow: its frame is the bare position.
    assert.ok(stderr.split('\n').includes(`    at ${site(cell, HANDLER, 'callback-site', 'new TypeError')}`), stderr);
  });
});
