// The kernel's log lines never take the kernel down: a stderr pipe that nobody reads makes lines
// drop instead of throwing (found by the fuzz test: a flood of unsigned messages ended the kernel
// with SIGABRT), and lines about refused messages are rate-limited.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { RateLimitedLog } from '../../kernel/kernelLog';
import { ROOT, assertBuilt, sleep } from './helpers';

describe('tunelab kernel: its own log', () => {
  it('writing 20,000 lines to a stderr pipe nobody reads neither throws nor blocks for long', async () => {
    assertBuilt();
    const script = `
      const { writeLogLine } = require(${JSON.stringify(path.join(ROOT, 'dist', 'kernel', 'kernelLog.js'))});
      process.stderr; // as in the kernel: Node opens the stderr pipe in non-blocking mode
      for (let i = 0; i < 20000; i++) writeLogLine('control: ignored message with a bad signature ' + 'x'.repeat(100));
      process.stdout.write('survived');
    `;
    // stderr is a pipe this test never reads: it fills after about 64 KB.
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([
      new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      ),
      new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 60_000))),
    ]);
    clearTimeout(timer);
    if (end === 'hung') child.kill('SIGKILL');
    child.stderr.destroy();
    assert.deepEqual(end, { code: 0, signal: null });
    assert.equal(out, 'survived');
  });

  it('lines about refused messages: at most 20 a second, then one line counting the rest', async () => {
    const written: string[] = [];
    const log = new RateLimitedLog(20, (t) => written.push(t));
    for (let i = 0; i < 1000; i++) log.log(`ignored ${i}`);
    assert.ok(written.length <= 40, `${written.length} lines written`); // two windows at most if a second boundary fell inside the loop
    assert.equal(written[0], 'ignored 0');
    await sleep(1100);
    log.log('ignored again');
    const summary = written.find((l) => /more lines about refused or ignored messages were left out/.test(l));
    assert.ok(summary, written.join('\n'));
    assert.equal(written.at(-1), 'ignored again');
  });
});
