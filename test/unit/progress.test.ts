import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..', '..');
const program = (showProgressBar: boolean, logLines = false) => `
  const { createStudy, RandomSampler, setVerbosity, logging } = require(${JSON.stringify(join(root, 'src'))});
  // Most tests here are about the bar alone: the per-trial INFO log lines (trialLog.test.ts) are off.
  setVerbosity(logging.${logLines ? 'INFO' : 'WARNING'});
  (async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 20, showProgressBar: ${showProgressBar} });
  })();
`;

function runNode(code: string, tty: boolean): string {
  const node = [process.execPath, '--import', 'tsx', '-e', code];
  // util-linux `script` gives the child a pseudo-terminal, so stderr.isTTY is true as in a user's shell.
  const cmd = tty ? ['script', '-qec', node.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' '), '/dev/null'] : node;
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout + r.stderr;
}

describe('terminal progress bar', () => {
  it('draws trials done of n and the best value in a terminal', () => {
    const out = runNode(program(true), true);
    assert.match(out, /\[#{24}\] 20\/20 [\d.]+s best [\d.e-]+/);
  });

  it('with INFO log lines, each line starts on a cleared line and the bar is drawn again under it', () => {
    const out = runNode(program(true, true), true);
    const lines = out.split(/\r?\n/);
    const trialLines = lines.filter((l) => /\] Trial \d+ finished with value: /.test(l));
    assert.equal(trialLines.length, 20, out);
    // What a terminal shows of each line is what follows its last carriage return: the log line on a
    // cleared line, never glued after the bar's text.
    for (const l of trialLines) {
      const visible = l.slice(l.lastIndexOf('\r') + 1);
      assert.ok(visible.startsWith('\x1b[K'), `the line is cleared first: ${JSON.stringify(l)}`);
      assert.match(visible.slice('\x1b[K'.length), /^\[I [\d-]+ [\d:,]+\] Trial \d+ finished/, JSON.stringify(l));
    }
    // After the last trial's line, the bar shows every trial done.
    assert.match(out, /Trial 19 finished[^\n]*\n\r\[#{24}\] 20\/20 [\d.]+s best [\d.e-]+/);
  });

  it('stays quiet when output is not a terminal', () => {
    assert.equal(runNode(program(true), false), '');
  });

  it('stays quiet when turned off', () => {
    const out = runNode(program(false), true);
    assert.doesNotMatch(out, /\[#/);
  });
});
