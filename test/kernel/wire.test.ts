// The wire format against jupyter_client's Session (the reference implementation), and the
// runner's argument and parameter handling.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { main as kernelCommand, parseRunArgs } from '../../kernel/cli';
import { dataDir, install, uninstall } from '../../kernel/kernelspec';
import { injectParameters, parseParamValue, type Notebook } from '../../kernel/runner/notebook';
import { parameterWarnings } from '../../kernel/runner/parameters';
import { DELIMITER, decodeFrames, encodeFrames, newHeader, serializeParts } from '../../kernel/wire';
import { ROOT } from './helpers';
import { PYTHON } from '../helpers/python';

describe('wire format vs jupyter_client.session.Session', () => {
  it('signs over the JSON frames only: Python verifies our message with buffers, we verify its', () => {
    const key = 'a1b2c3d4-secret';
    const parts = serializeParts({
      header: newHeader('comm_msg', 'session-1'),
      parent_header: {},
      metadata: { m: 1 },
      content: { comm_id: 'c1', data: { method: 'update', state: { v: 'é' } } },
    });
    const frames = encodeFrames(key, [Buffer.from('peer-id')], parts, [Buffer.from([0xff, 0x00, 0x7f]), Buffer.alloc(5000, 1)]);
    const afterDelimiter = frames.slice(frames.findIndex((f) => f.equals(DELIMITER)) + 1);
    const r = spawnSync(PYTHON, [path.join(ROOT, 'test', 'fixtures', 'kernel', 'session_roundtrip.py')], {
      input: JSON.stringify({ key, frames: afterDelimiter.map((f) => f.toString('base64')) }),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { verified: { msg_type: string; content: unknown; buffers: string[] }; python_frames: string[] };
    assert.equal(out.verified.msg_type, 'comm_msg');
    assert.deepEqual(out.verified.content, { comm_id: 'c1', data: { method: 'update', state: { v: 'é' } } });
    assert.deepEqual(out.verified.buffers, ['ff007f', '01'.repeat(5000)]);

    const pyFrames = [DELIMITER, ...out.python_frames.map((f) => Buffer.from(f, 'base64'))];
    const msg = decodeFrames(key, pyFrames);
    assert.equal(msg.header.msg_type, 'comm_msg');
    assert.deepEqual(msg.content, { comm_id: 'abc', data: { x: 1.5 } });
    assert.deepEqual(
      msg.buffers.map((b) => b.toString('latin1')),
      ['\x00\x01\x02', 'python'],
    );
    assert.throws(() => decodeFrames('wrong-key', pyFrames), /bad signature/);
    // Tampering with a buffer does not break the signature (buffers are not signed) ...
    const tampered = [...pyFrames];
    tampered[tampered.length - 1] = Buffer.from('other');
    assert.doesNotThrow(() => decodeFrames(key, tampered));
    // ... but tampering with the content does.
    const badContent = [...pyFrames];
    badContent[5] = Buffer.from('{"comm_id":"evil","data":{}}');
    assert.throws(() => decodeFrames(key, badContent), /bad signature/);
  });

  it('rejects frames without the delimiter, with too few parts, or with non-JSON parts', () => {
    assert.throws(() => decodeFrames('k', [Buffer.from('x')]), /delimiter/);
    assert.throws(() => decodeFrames('k', [DELIMITER, Buffer.from('sig')]), /at least 5/);
    const parts = serializeParts({ header: newHeader('x', 's'), parent_header: {}, metadata: {}, content: {} });
    const frames = encodeFrames('', [], { ...parts, content: '{not json' }, []);
    assert.throws(() => decodeFrames('', frames), /not JSON/);
  });
});

describe('tunelab run: arguments and parameters', () => {
  it('parses the command line', () => {
    const a = parseRunArgs(['nb.ipynb', '--output', 'o.ipynb', '--html=r.html', '--timeout', '30', '--param', 'lr=0.1', '-p', 'name=x=y']);
    assert.deepEqual(a, {
      notebook: 'nb.ipynb',
      output: 'o.ipynb',
      html: 'r.html',
      timeoutSeconds: 30,
      params: [
        ['lr', '0.1'],
        ['name', 'x=y'],
      ],
    });
    assert.throws(() => parseRunArgs([]), /which notebook/);
    assert.throws(() => parseRunArgs(['nb.ipynb', '--timeout', '-1']), /positive number/);
    assert.throws(() => parseRunArgs(['nb.ipynb', '--param', '1bad=2']), /not a valid identifier/);
    assert.deepEqual(parseRunArgs(['-o', 'o.ipynb', 'nb.ipynb', '--param=b=-2', '-p', 'a=1', '--timeout=0.5']), {
      notebook: 'nb.ipynb',
      output: 'o.ipynb',
      timeoutSeconds: 0.5,
      params: [
        ['b', '-2'],
        ['a', '1'],
      ],
    });
  });

  it('names a wrong option and says what to do (util.parseArgs underneath)', () => {
    assert.throws(
      () => parseRunArgs(['nb.ipynb', '--outptu', 'o.ipynb']),
      /unknown option --outptu\. Did you mean --output\? Run with --help to see the options\./,
    );
    assert.throws(() => parseRunArgs(['nb.ipynb', '-x']), /unknown option -x\. Run with --help/);
    assert.throws(() => parseRunArgs(['nb.ipynb', '--output']), /--output needs a value/);
    assert.throws(() => parseRunArgs(['nb.ipynb', '--html', '--output', 'o.ipynb']), /--html needs a value/);
    assert.throws(() => parseRunArgs(['a.ipynb', 'b.ipynb']), /unexpected argument b\.ipynb \(one notebook per run\)/);
  });

  it('install, uninstall and kernel refuse bad options with exit status 2 and their usage', async (t) => {
    const errors: string[] = [];
    t.mock.method(console, 'error', (...args: unknown[]) => void errors.push(args.join(' ')));
    const cases: Array<[string, string[], RegExp]> = [
      ['uninstall', ['--usr'], /^tunelab uninstall: unknown option --usr\. Did you mean --user\?.*\nusage: tunelab uninstall/s],
      ['uninstall', ['--user', '--sys-prefix'], /give only one of --user, --sys-prefix, --prefix DIR/],
      ['uninstall', ['--user', '--user'], /give only one of/],
      ['install', ['--prefix'], /--prefix needs a value/],
      ['install', ['--user=yes'], /--user takes no value/],
      ['install', ['somewhere'], /unexpected argument 'somewhere': this command takes options only/],
      ['kernel', [], /--connection-file is required/],
      ['kernel', ['--connection', 'f.json'], /unknown option --connection\. Did you mean --connection-file\?/],
    ];
    for (const [command, argv, message] of cases) {
      errors.length = 0;
      assert.equal(await kernelCommand(command, argv), 2, `${command} ${argv.join(' ')}: ${errors.join('\n')}`);
      assert.match(errors.join('\n'), message);
    }
  });

  it('parses parameter values as JSON when possible (as papermill does), else as strings', () => {
    assert.equal(parseParamValue('0.5'), 0.5);
    assert.equal(parseParamValue('true'), true);
    assert.deepEqual(parseParamValue('[1, "a"]'), [1, 'a']);
    assert.equal(parseParamValue('adam'), 'adam');
    assert.equal(parseParamValue('"quoted"'), 'quoted');
  });

  it('injects after the tagged cell and replaces an earlier injection', () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: '# t' },
        { cell_type: 'code', metadata: { tags: ['parameters'] }, source: 'let lr = 0.1;', outputs: [] },
        { cell_type: 'code', metadata: { tags: ['injected-parameters'] }, source: 'let lr = 9;', outputs: [] },
        { cell_type: 'code', metadata: {}, source: 'lr', outputs: [] },
      ],
    };
    assert.deepEqual(
      injectParameters(nb, [
        ['lr', '0.01'],
        ['opt', 'sgd'],
      ]),
      { afterTaggedCell: true },
    );
    assert.equal(nb.cells.length, 4);
    assert.equal(nb.cells[2].source, '// Parameters injected by tunelab run\nlet lr = 0.01;\nlet opt = "sgd";');
    const untagged: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: 'code', metadata: {}, source: 'x', outputs: [] }],
    };
    assert.deepEqual(injectParameters(untagged, [['x', '1']]), { afterTaggedCell: false });
    assert.deepEqual(untagged.cells[0].metadata.tags, ['injected-parameters']);
  });

  it('declares a name given twice once, with its last value (two lets of one name would not compile)', () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: 'code', metadata: {}, source: 'x', outputs: [] }],
    };
    injectParameters(nb, [
      ['LR', '0.1'],
      ['opt', 'sgd'],
      ['LR', '0.2'],
    ]);
    assert.equal(nb.cells[0].source, '// Parameters injected by tunelab run\nlet LR = 0.2;\nlet opt = "sgd";');
  });

  it('refuses names a cell cannot declare and numbers JSON cannot hold, saying what to do', () => {
    for (const name of ['class', 'let', 'await', 'yield', 'enum', 'arguments', 'eval', 'static']) {
      assert.throws(
        () => parseRunArgs(['nb.ipynb', '--param', `${name}=1`]),
        new RegExp(`--param name "${name}" is a reserved word in TypeScript`),
      );
    }
    for (const name of ['exports', 'require', '__tunelab_loop_guard__']) {
      assert.throws(() => parseRunArgs(['nb.ipynb', '--param', `${name}=1`]), /is taken by the kernel in every cell; rename it/);
    }
    assert.throws(() => parseRunArgs(['nb.ipynb', '--param', 'LR=1e400']), /--param LR=1e400: .*reads as Infinity.*give a finite number/);
    assert.throws(() => parseRunArgs(['nb.ipynb', '--param', 'cfg={"a": [1, -1e400]}']), /reads as -Infinity/);
    // Words that only look reserved are names like any other; a quoted 1e400 is a string.
    assert.deepEqual(parseRunArgs(['nb.ipynb', '-p', 'type=1', '-p', 'async=2', '-p', 'big="1e400"', '--allow-errors']), {
      notebook: 'nb.ipynb',
      allowErrors: true,
      params: [
        ['type', '1'],
        ['async', '2'],
        ['big', '"1e400"'],
      ],
    });
  });

  it("warns as papermill: a name the parameters cell does not declare, a notebook without a cell tagged 'parameters'", () => {
    const cell = (source: string, tags?: string[]) => ({ cell_type: 'code' as const, metadata: tags ? { tags } : {}, source, outputs: [] });
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        cell('const LR: number = 0.1; // rate\nlet { depth, sizes: [first] } = { depth: 3, sizes: [8] };\nif (LR) { var inner = 1; }', [
          'parameters',
        ]),
      ],
    };
    assert.deepEqual(
      parameterWarnings(nb, [
        ['LR', '1'],
        ['first', '2'],
        ['inner', '3'],
        ['inner', '4'],
      ]),
      [
        'Passed unknown parameter: inner (the cell tagged "parameters" does not declare it: it declares LR, depth, first); injected all the same',
      ],
    );
    assert.deepEqual(parameterWarnings(nb, []), []);
    const untagged: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell('let LR = 1;')] };
    const [warning, ...more] = parameterWarnings(untagged, [['LR', '2']]);
    assert.match(warning, /^the notebook has no cell tagged "parameters" .*the parameters are injected in a new first cell/);
    assert.deepEqual(more, []);
  });
});

describe('kernelspec install locations', () => {
  it('follows jupyter_core for --user (JUPYTER_DATA_DIR, else XDG) and writes/removes the spec', () => {
    assert.equal(dataDir({ kind: 'user' }, { JUPYTER_DATA_DIR: '/x/data' }), '/x/data');
    if (process.platform === 'linux') {
      assert.equal(dataDir({ kind: 'user' }, { XDG_DATA_HOME: '/x/xdg' }), '/x/xdg/jupyter');
    }
    assert.equal(dataDir({ kind: 'sys-prefix' }, { VIRTUAL_ENV: '/venv' }), '/venv/share/jupyter');
    assert.throws(() => dataDir({ kind: 'sys-prefix' }, {}), /--sys-prefix needs an active Python environment/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-spec-'));
    try {
      const r = install({ kind: 'prefix', dir });
      const spec = JSON.parse(readFileSync(path.join(r.kernelDir, 'kernel.json'), 'utf8')) as { argv: string[] };
      assert.ok(existsSync(spec.argv[1]), "the kernelspec points at this package's bin");
      assert.deepEqual(uninstall({ kind: 'prefix', dir }).length >= 1, true);
      assert.equal(existsSync(r.kernelDir), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
