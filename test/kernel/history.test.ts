// history_request (tail, range, search) with a raw client: the reply format of the messaging spec
// 5.3, history kept across kernel restarts in IPython's SQLite layout (checked by reading the file
// with IPython's own HistoryAccessor), and a corrupt or unusable history file that never stops the
// kernel.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { ofType, run, startKernel } from './helpers';
import { PYTHON } from '../helpers/python';

type Item = [number, number, string | [string, string | null]];

async function history(k: KernelClient, content: Record<string, unknown>): Promise<Item[]> {
  const r = await k.request('shell', 'history_request', { raw: true, output: false, ...content }, { timeoutMs: 30_000 });
  assert.equal(r.reply.header.msg_type, 'history_reply');
  assert.equal(r.reply.content.status, 'ok', JSON.stringify(r.reply.content));
  assert.deepEqual(
    ofType(r, 'status').map((m) => m.content.execution_state),
    ['busy', 'idle'],
  );
  return r.reply.content.history as Item[];
}

/** Starts a kernel whose history lives in `file`; collects its stderr. */
async function kernelWithHistory(file: string, dir: string): Promise<{ k: KernelClient; stderr: () => string }> {
  const k = await startKernel({ cwd: dir, env: { ...process.env, TUNELAB_HISTORY_FILE: file }, stderr: 'pipe' });
  let text = '';
  k.process.stderr?.setEncoding('utf8');
  k.process.stderr?.on('data', (chunk: string) => (text += chunk));
  return { k, stderr: () => text };
}

describe('tunelab kernel: history_request', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-history-'));
  const file = path.join(dir, 'history.sqlite');
  const kernels: KernelClient[] = [];
  after(async () => {
    for (const k of kernels) if (k.isAlive) await k.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  let firstSession = 0;
  const firstCells = ['const a = 20;', 'a + 1', 'console.log("hi")', 'a + 1', "'x' + 'y'"];

  it('tail, range and search over the executed cells, with outputs on request', async () => {
    const { k, stderr } = await kernelWithHistory(file, dir);
    kernels.push(k);
    for (const code of firstCells) await run(k, code);
    // Not stored: a silent cell and one sent with store_history false; a failing cell is stored.
    await k.request('shell', 'execute_request', {
      code: '1000',
      silent: true,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
    });
    await k.request('shell', 'execute_request', {
      code: '2000',
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
    });
    const failed = await k.execute('throw new Error("boom")');
    assert.equal(failed.reply.content.status, 'error');
    const inputs = [...firstCells, 'throw new Error("boom")'];

    const all = await history(k, { hist_access_type: 'range', session: 0, start: 1 });
    assert.equal(all.length, inputs.length, JSON.stringify(all));
    firstSession = all[0][0];
    assert.ok(Number.isInteger(firstSession) && firstSession >= 1);
    assert.deepEqual(
      all,
      inputs.map((code, i) => [firstSession, i + 1, code]),
    );

    assert.deepEqual(await history(k, { hist_access_type: 'tail', n: 2 }), [
      [firstSession, 5, "'x' + 'y'"],
      [firstSession, 6, 'throw new Error("boom")'],
    ]);
    // unique: only the latest occurrence of a repeated input
    const uniqueTail = await history(k, { hist_access_type: 'tail', n: 10, unique: true });
    assert.deepEqual(
      uniqueTail.map((h) => h[1]),
      [1, 3, 4, 5, 6],
    );

    assert.deepEqual(await history(k, { hist_access_type: 'range', session: 0, start: 2, stop: 4 }), [
      [firstSession, 2, 'a + 1'],
      [firstSession, 3, 'console.log("hi")'],
    ]);
    assert.deepEqual(await history(k, { hist_access_type: 'range', session: firstSession, start: 6 }), [
      [firstSession, 6, 'throw new Error("boom")'],
    ]);

    // Glob search over whole inputs: * and ?, n (the latest n) and unique.
    assert.deepEqual(
      (await history(k, { hist_access_type: 'search', pattern: 'a ? 1' })).map((h) => h[1]),
      [2, 4],
    );
    assert.deepEqual(
      (await history(k, { hist_access_type: 'search', pattern: 'a ? 1', unique: true })).map((h) => h[1]),
      [4],
    );
    assert.deepEqual(
      (await history(k, { hist_access_type: 'search', pattern: '*', n: 3 })).map((h) => h[1]),
      [4, 5, 6],
    );
    assert.deepEqual(await history(k, { hist_access_type: 'search', pattern: 'no such*' }), []);
    assert.deepEqual((await history(k, { hist_access_type: 'search', pattern: 'A*' })).length, 0, 'GLOB is case-sensitive, as in IPython');

    // output: true gives (input, output) pairs: the text/plain of the result, or null.
    assert.deepEqual(await history(k, { hist_access_type: 'range', session: 0, start: 1, stop: 4, output: true }), [
      [firstSession, 1, ['const a = 20;', null]],
      [firstSession, 2, ['a + 1', '21']],
      [firstSession, 3, ['console.log("hi")', null]],
    ]);
    assert.deepEqual(await history(k, { hist_access_type: 'tail', n: 1, output: true }), [
      [firstSession, 5 + 1, ['throw new Error("boom")', null]],
    ]);

    // A request the kernel cannot answer says why, and the kernel goes on.
    const bad = await k.request('shell', 'history_request', { hist_access_type: 'everything', output: false, raw: true });
    assert.equal(bad.reply.content.status, 'error');
    assert.match(String(bad.reply.content.evalue), /hist_access_type must be "tail", "range" or "search", got "everything"/);
    const badN = await k.request('shell', 'history_request', { hist_access_type: 'tail', n: 'ten', output: false, raw: true });
    assert.match(String(badN.reply.content.evalue), /"n" must be an integer, got "ten"/);
    assert.equal(stderr().includes('history'), false, `no history warning expected, got: ${stderr()}`);
    await k.shutdown();
  });

  it('survives a restart: the next kernel is the next session, and -1 is the previous one', async () => {
    const { k } = await kernelWithHistory(file, dir);
    kernels.push(k);
    await run(k, 'const b = 2;');
    await run(k, 'b * 21');
    const current = await history(k, { hist_access_type: 'range', session: 0 });
    assert.deepEqual(current, [
      [firstSession + 1, 1, 'const b = 2;'],
      [firstSession + 1, 2, 'b * 21'],
    ]);
    const previous = await history(k, { hist_access_type: 'range', session: -1, start: 1, stop: 3 });
    assert.deepEqual(previous, [
      [firstSession, 1, 'const a = 20;'],
      [firstSession, 2, 'a + 1'],
    ]);
    // tail and search span sessions, as IPython's do.
    assert.deepEqual(await history(k, { hist_access_type: 'tail', n: 3 }), [
      [firstSession, 6, 'throw new Error("boom")'],
      [firstSession + 1, 1, 'const b = 2;'],
      [firstSession + 1, 2, 'b * 21'],
    ]);
    assert.deepEqual(await history(k, { hist_access_type: 'search', pattern: '? * 2?', output: true }), [
      [firstSession + 1, 2, ['b * 21', '42']],
    ]);
    await k.shutdown();
  });

  it("is IPython's history layout: IPython's HistoryAccessor reads the same entries from the file", async () => {
    const { k } = await kernelWithHistory(file, dir);
    kernels.push(k);
    await run(k, 'a_third_session_cell: { }');
    const ours = {
      tail: await history(k, { hist_access_type: 'tail', n: 4, output: true }),
      search: await history(k, { hist_access_type: 'search', pattern: '*1*', unique: true }),
      searchN: await history(k, { hist_access_type: 'search', pattern: '*', n: 3 }),
      range: await history(k, { hist_access_type: 'range', session: firstSession, start: 2, stop: 6, output: true }),
    };
    await k.shutdown(); // writes the session's end
    const script = `
import json, sys
from IPython.core.history import HistoryAccessor
h = HistoryAccessor(hist_file=sys.argv[1])
pairs = lambda rows: [[s, l, list(x) if isinstance(x, tuple) else x] for s, l, x in rows]
info = h.get_session_info(${firstSession})
print(json.dumps({
  "tail": pairs(h.get_tail(4, raw=True, output=True, include_latest=True)),
  "search": pairs(h.search("*1*", unique=True)),
  "searchN": pairs(h.search("*", n=3)),
  "range": pairs(h.get_range(${firstSession}, 2, 6, output=True)),
  "num_cmds": info[3], "ended": info[2] is not None,
}))`;
    const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const ipython = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(ours.tail, ipython.tail);
    assert.deepEqual(ours.search, ipython.search);
    assert.deepEqual(ours.searchN, ipython.searchN);
    assert.deepEqual(ours.range, ipython.range);
    assert.equal(ipython.num_cmds, firstCells.length + 1, 'the session row counts the stored cells');
    assert.equal(ipython.ended, true);
  });

  it('two kernels sharing the file at once get their own sessions and lines', async () => {
    const shared = path.join(dir, 'shared.sqlite');
    // Both start at once; whichever starts is shut down by after() even if the other fails.
    const started = await Promise.allSettled([kernelWithHistory(shared, dir), kernelWithHistory(shared, dir)]);
    for (const s of started) if (s.status === 'fulfilled') kernels.push(s.value.k);
    const [one, two] = started.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
    for (let i = 0; i < 3; i++) {
      await Promise.all([run(one.k, `'one ${i}'`), run(two.k, `'two ${i}'`)]);
    }
    const [mine, theirs] = await Promise.all([
      history(one.k, { hist_access_type: 'range', session: 0 }),
      history(two.k, { hist_access_type: 'range', session: 0 }),
    ]);
    assert.notEqual(mine[0][0], theirs[0][0], 'distinct session numbers');
    assert.deepEqual(
      mine.map((h) => h.slice(1)),
      [0, 1, 2].map((i) => [i + 1, `'one ${i}'`]),
    );
    assert.deepEqual(
      theirs.map((h) => h.slice(1)),
      [0, 1, 2].map((i) => [i + 1, `'two ${i}'`]),
    );
    // Both sessions are in the file: a search from either kernel sees the other's cells.
    const both = await history(one.k, { hist_access_type: 'search', pattern: "'t*" });
    assert.equal(both.length, 3);
    const warnings = (one.stderr() + two.stderr()).split('\n').filter((l) => l.includes('history'));
    assert.deepEqual(warnings, [], 'no history warnings');
    await Promise.all([one.k.shutdown(), two.k.shutdown()]);
  });

  it('a corrupt history file, or one that cannot be created, never stops the kernel: memory only, one warning', async () => {
    const corrupt = path.join(dir, 'corrupt.sqlite');
    writeFileSync(corrupt, 'this is not a SQLite database '.repeat(200));
    const notADir = path.join(dir, 'plain-file');
    writeFileSync(notADir, 'x');
    for (const badFile of [corrupt, path.join(notADir, 'history.sqlite')]) {
      const { k, stderr } = await kernelWithHistory(badFile, dir);
      kernels.push(k);
      await run(k, 'const c = 1;');
      await run(k, 'c + 1');
      const h = await history(k, { hist_access_type: 'tail', n: 5 });
      assert.deepEqual(
        h.map((e) => e.slice(1)),
        [
          [1, 'const c = 1;'],
          [2, 'c + 1'],
        ],
      );
      const warnings = stderr()
        .split('\n')
        .filter((l) => l.includes('input history'));
      assert.equal(warnings.length, 1, `one warning expected on stderr, got:\n${stderr()}`);
      assert.match(warnings[0], /kept in memory only/);
      assert.ok(warnings[0].includes(badFile), warnings[0]);
      await k.shutdown();
    }
  });
});
