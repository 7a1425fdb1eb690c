/**
 * Live widgets in a real browser against a real Jupyter server (`jupyter server` from the pinned
 * environment, no notebook frontend) running the tunelab kernel. A page using @jupyterlab/services
 * (widgets/dist/live.js, served from the server's own origin through extra_static_paths) starts the
 * kernel, runs a slow study, and the test watches the StudyMonitor's progress bar and the history plot
 * grow, clicks Stop, and checks the study stopped early with every finished trial kept; then a slider
 * syncs both ways and Plot updates apply in place. test/widgets/jupyterlab.test.ts does the same
 * through JupyterLab's and Notebook 7's own widget manager; this one covers the live.js bundle.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactPath, saveScreenshot, launchBrowser, LIVE_JS, ROOT } from './browser';
import { pythonBin, pythonEnv } from '../helpers/python';
import { freeLoopbackPort as freePort, within } from '../helpers/async';

const N_TRIALS = 300;

async function waitForServer(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`the Jupyter server exited (${proc.exitCode}):\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Jupyter server did not answer at ${url}:\n${log()}`);
}

interface MonitorReading {
  progress: number;
  finished: number;
  status: string;
  points: number;
}

function readMonitor(page: Page): Promise<MonitorReading> {
  return page.evaluate(() => {
    const bar = document.querySelector('.tunelab-study-monitor .tl-bar');
    const count = document.querySelector('.tunelab-study-monitor .tl-count')?.textContent ?? '0';
    const plot = document.querySelector('.tunelab-plot .js-plotly-plot') as (HTMLElement & { data?: Array<{ x: unknown[] }> }) | null;
    return {
      progress: Number(bar?.getAttribute('aria-valuenow') ?? -1),
      finished: parseInt(count, 10),
      status: document.querySelector('.tunelab-study-monitor .tl-status')?.textContent ?? '',
      points: plot?.data?.[0]?.x.length ?? -1,
    };
  });
}

describe('live widgets over a real Jupyter server', { timeout: 600_000 }, () => {
  let work: string;
  let server: ChildProcess | null = null;
  let serverLog = '';
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let baseUrl = '';
  const token = `t${Math.random().toString(36).slice(2)}`;

  before(async () => {
    for (const f of [LIVE_JS, join(ROOT, 'dist', 'kernel', 'cli.js')]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first.`);
    }
    work = mkdtempSync(join(tmpdir(), 'tunelab-live-'));
    const prefix = join(work, 'prefix');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], { env: pythonEnv(), stdio: 'pipe' });
    const root = join(work, 'root');
    mkdirSync(root);
    // Served as a static file, i.e. from the server's own origin: /files/ pages are sandboxed
    // (origin null), which would make every API call cross-origin.
    const staticDir = join(work, 'static');
    const pageDir = join(staticDir, 'tunelab-live');
    mkdirSync(pageDir, { recursive: true });
    copyFileSync(LIVE_JS, join(pageDir, 'live.js'));
    writeFileSync(
      join(pageDir, 'live.html'),
      '<!doctype html><html><head><meta charset="utf-8"><title>tunelab live</title></head>' +
        `<body style="font-family:sans-serif;margin:16px"><div id="out"></div><script src="live.js?token=${token}"></script></body></html>`,
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}/`;
    const env = pythonEnv({
      JUPYTER_PATH: join(prefix, 'share', 'jupyter'),
      JUPYTER_CONFIG_DIR: join(work, 'config'),
      JUPYTER_RUNTIME_DIR: join(work, 'runtime'),
      JUPYTER_DATA_DIR: join(work, 'data'),
    });
    server = spawn(
      pythonBin('jupyter'),
      [
        'server',
        '--no-browser',
        `--port=${port}`,
        '--ip=127.0.0.1',
        `--IdentityProvider.token=${token}`,
        `--ServerApp.root_dir=${root}`,
        '--ServerApp.port_retries=0',
        `--ServerApp.extra_static_paths=${staticDir}`,
        '--debug',
        ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout!.on('data', (d) => (serverLog += d));
    server.stderr!.on('data', (d) => (serverLog += d));
    await waitForServer(`${baseUrl}api/kernelspecs?token=${token}`, server, () => serverLog);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      // The server shuts its kernels down first; do not wait forever if one hangs.
      const timer = setTimeout(() => server!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('the progress bar and the plot grow while trials run; Stop ends the study and keeps its trials', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const consoleLines: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    const context = async () => {
      const out = await page
        .evaluate(() => document.getElementById('out')?.innerText ?? '', undefined)
        .catch((e: Error) => `(page unreadable: ${e.message})`);
      // The whole log (the server runs with --debug) is kept as an artifact; the end is printed.
      const logFile = artifactPath('live-server.log');
      writeFileSync(logFile, serverLog);
      return (
        `--- server and kernel log (last 8,000 characters; all of it in ${logFile}) ---\n${serverLog.slice(-8000)}\n` +
        `--- page console (last 40 lines) ---\n${consoleLines.slice(-40).join('\n')}\n` +
        `--- page errors ---\n${errors.join('\n')}\n--- page output (last 3,000 characters) ---\n${out.slice(-3000)}`
      );
    };
    try {
      await page.goto(`${baseUrl}static/tunelab-live/live.html?token=${token}`);
      await page.waitForFunction(() => (window as unknown as { tunelabLive?: unknown }).tunelabLive !== undefined);
      await within(
        120_000,
        'starting the kernel and its kernel_info',
        page.evaluate(
          async ({ baseUrl, token }) => {
            const w = window as unknown as Record<string, unknown>;
            const live = (window as unknown as { tunelabLive: { connect(o: { baseUrl: string; token: string }): Promise<unknown> } })
              .tunelabLive;
            w.session = await live.connect({ baseUrl, token });
          },
          { baseUrl, token },
        ),
      );
      const exec = (code: string) =>
        within(
          120_000,
          `the execute reply to ${JSON.stringify(code.slice(0, 60))}`,
          page.evaluate((code) => {
            const w = window as unknown as { session: { execute(c: string, el: HTMLElement): Promise<string> } };
            return w.session.execute(code, document.getElementById('out')!);
          }, code),
        );

      assert.equal(
        await exec(
          "import { createStudy, RandomSampler, TrialState } from 'tunelab';\n" +
            "const study = await createStudy({ studyName: 'live', sampler: new RandomSampler({ seed: 5 }) });",
        ),
        'ok',
      );
      // Start the slow study without waiting for it.
      await page.evaluate((n) => {
        const w = window as unknown as { session: { execute(c: string, el: HTMLElement): Promise<string> }; optimizeDone: Promise<string> };
        w.optimizeDone = w.session.execute(
          `await study.optimize(async (trial) => {\n` +
            `  const x = trial.suggestFloat('x', -2, 2);\n` +
            `  await new Promise((r) => setTimeout(r, 120));\n` +
            `  return x * x;\n` +
            `}, { nTrials: ${n} });`,
          document.getElementById('out')!,
        );
      }, N_TRIALS);

      // Watch it grow: several distinct, increasing readings of the bar and the plot.
      await page.waitForSelector('.tunelab-study-monitor .tl-bar[aria-valuenow]', { timeout: 60_000 });
      const readings: MonitorReading[] = [];
      for (let i = 0; i < 200 && readings.length < 3; i++) {
        const r = await readMonitor(page);
        const last = readings.at(-1);
        if (r.finished > 0 && (!last || r.finished > last.finished)) readings.push(r);
        await page.waitForTimeout(150);
      }
      assert.ok(readings.length >= 3, `saw the monitor grow only ${readings.length} times`);
      for (let i = 1; i < readings.length; i++) {
        assert.ok(readings[i].finished > readings[i - 1].finished);
        assert.ok(readings[i].progress >= readings[i - 1].progress);
        assert.ok(readings[i].points >= readings[i - 1].points);
      }
      assert.ok(readings.at(-1)!.points > readings[0].points, 'the history plot grew');
      assert.equal(readings[0].status, 'running');
      await saveScreenshot(page, 'live-running.png');

      await page.click('.tunelab-study-monitor .tl-stop');
      const status = await within(
        120_000,
        'the execute reply to study.optimize after Stop',
        page.evaluate(() => (window as unknown as { optimizeDone: Promise<string> }).optimizeDone),
      );
      assert.equal(status, 'ok', 'optimize returned normally after Stop');
      await page.waitForFunction(() => document.querySelector('.tunelab-study-monitor .tl-status')?.textContent === 'stopped', null, {
        timeout: 30_000,
      });

      assert.equal(
        await exec(
          'console.log(JSON.stringify({ n: study.trials.length, complete: study.trials.filter((t) => t.state === TrialState.COMPLETE).length, running: study.trials.filter((t) => t.state === TrialState.RUNNING).length }));',
        ),
        'ok',
      );
      const printed = await page.evaluate(() => {
        const streams = [...document.querySelectorAll('.tunelab-live-stream')].map((e) => e.textContent ?? '');
        return JSON.parse(streams.at(-1)!.trim()) as { n: number; complete: number; running: number };
      });
      assert.ok(printed.n < N_TRIALS, `the study stopped early (${printed.n} of ${N_TRIALS} trials)`);
      assert.ok(printed.n >= readings.at(-1)!.finished, 'trials finished before Stop are kept');
      assert.equal(printed.running, 0, 'running trials settled');
      await page.waitForFunction(
        (n) => {
          const plot = document.querySelector('.tunelab-plot .js-plotly-plot') as (HTMLElement & { data?: Array<{ x: unknown[] }> }) | null;
          return plot?.data?.[0]?.x.length === n;
        },
        printed.complete,
        { timeout: 10_000 },
      );
      const final = await readMonitor(page);
      assert.equal(final.finished, printed.n);
      assert.equal(final.points, printed.complete);
      assert.equal(final.progress, Math.round((100 * printed.n) / N_TRIALS));

      // A frontend reconnecting gets every model back through jupyter.widget.control.
      const restored = await within(
        60_000,
        'reconnecting and restoring widget models',
        page.evaluate(() => (window as unknown as { session: { reconnect(): Promise<number> } }).session.reconnect()),
      );
      assert.ok(restored >= 2, `restored ${restored} models`);
      await saveScreenshot(page, 'live-stopped.png');

      // Two-way sync: the user moves a slider in the page; the kernel sees it, echoes it, and its
      // change handler updates another widget.
      assert.equal(
        await exec(
          "import { IntSlider, Label } from 'tunelab/widgets';\n" +
            "const slider = new IntSlider({ value: 3, min: 0, max: 10, description: 'units' });\n" +
            "const seen = new Label('waiting');\n" +
            'slider.onChange((v) => { seen.value = `kernel saw ${v}`; });\n' +
            'display(slider);\ndisplay(seen);',
        ),
        'ok',
      );
      await page.waitForSelector('.widget-slider .noUi-handle');
      await page.focus('.widget-slider .noUi-handle');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(
        () => [...document.querySelectorAll('.widget-label')].some((e) => e.textContent === 'kernel saw 5'),
        null,
        { timeout: 15_000 },
      );
      assert.equal(await exec('console.log(JSON.stringify({ value: slider.value }));'), 'ok');
      const kernelValue = await page.evaluate(() => {
        const streams = [...document.querySelectorAll('.tunelab-live-stream')].map((e) => e.textContent ?? '');
        return JSON.parse(streams.at(-1)!.trim()).value as number;
      });
      assert.equal(kernelValue, 5);
      assert.equal(await page.textContent('.widget-slider .widget-readout'), '5');

      // Plot updates arrive as small custom messages and are applied to the drawn figure in place.
      assert.equal(
        await exec(
          "import { Plot } from 'tunelab/widgets';\n" +
            "const fig = new Plot({ data: [{ type: 'scatter', mode: 'markers', x: [0], y: [0] }], layout: { title: { text: 'ops' } } });\n" +
            'display(fig);\n' +
            'for (let i = 1; i <= 50; i++) fig.extend({ 0: { x: [i], y: [i * i] } });\n' +
            "fig.restyle({ mode: 'lines', 'line.color': 'red' });\n" +
            "fig.relayout({ 'xaxis.range': [0, 60] });\n" +
            "fig.addTrace({ type: 'scatter', mode: 'markers', name: 'extra', x: [1, 2], y: [3, 4] });",
        ),
        'ok',
      );
      const drawn = await page.waitForFunction(
        () => {
          const plots = [...document.querySelectorAll('.tunelab-plot .js-plotly-plot')] as Array<
            HTMLElement & {
              data?: Array<{ x: unknown[]; mode?: string; line?: { color?: string } }>;
              layout?: { xaxis?: { range?: number[] } };
            }
          >;
          const gd = plots.at(-1);
          if (!gd?.data || gd.data.length < 2 || gd.data[0].x.length < 51 || gd.data[0].mode !== 'lines') return null;
          return { n: gd.data[0].x.length, color: gd.data[0].line?.color, range: gd.layout?.xaxis?.range, traces: gd.data.length };
        },
        null,
        { timeout: 15_000 },
      );
      assert.deepEqual(await drawn.jsonValue(), { n: 51, color: 'red', range: [0, 60], traces: 2 });
      assert.deepEqual(errors, []);
      await within(
        60_000,
        'shutting the kernel down',
        page.evaluate(() => (window as unknown as { session: { shutdown(): Promise<void> } }).session.shutdown()),
      );
    } catch (e) {
      // Whatever failed, say what the server, the kernel and the page were doing.
      (e as Error).message += `\n${await context()}`;
      throw e;
    }
    await page.close();
  });
});
