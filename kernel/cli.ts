/**
 * The kernel-side subcommands of `tunelab` (bin/tunelab.js dispatches here):
 *   tunelab kernel --connection-file F
 *   tunelab install [--user | --sys-prefix | --prefix DIR]
 *   tunelab uninstall [--user | --sys-prefix | --prefix DIR]
 *   tunelab run NOTEBOOK.ipynb [--output OUT.ipynb] [--html REPORT.html] [--timeout S] [--allow-errors] [--param NAME=VALUE ...]
 */
import * as path from 'node:path';
import { findWidgetManager, jupyterDataPaths, missingWidgetManagerMessage } from './jupyterPaths';
import { parseCommandLine, UsageError } from '../src/cli/args';
import { install, InstallError, uninstall, type InstallLocation } from './kernelspec';
import { missingDependencies, missingDependencyMessage } from '../src/optionalDependency';
import { checkParameterName, checkParameterValue, ParameterError } from './runner/parameters';

const USAGE: Record<string, string> = {
  kernel: 'usage: tunelab kernel --connection-file FILE',
  install:
    'usage: tunelab install [--user | --sys-prefix | --prefix DIR]\n  Writes the "tunelab" kernelspec and the widget extension for JupyterLab 4 / Notebook 7 (default: --user),\n  and checks that Jupyter has its widget manager (pip install ipywidgets).',
  uninstall: 'usage: tunelab uninstall [--user | --sys-prefix | --prefix DIR]',
  run:
    'usage: tunelab run NOTEBOOK.ipynb [--output OUT.ipynb] [--html REPORT.html] [--timeout SECONDS] [--allow-errors] [--param NAME=VALUE ...]\n' +
    '  Executes the notebook with the tunelab kernel, stops at the first error (exit status 1),\n' +
    '  writes the executed notebook (default: overwrite NOTEBOOK) and an offline HTML report.\n' +
    '  An error output a cell gets after it finished (a timer, an unawaited promise) fails it too;\n' +
    '  a cell tagged "raises-exception" may fail, and --allow-errors lets every cell fail (exit\n' +
    '  status 0, as nbconvert) and records the errors; a timeout or a dead kernel still fails the run.\n' +
    '  --param values are parsed as JSON when possible, else taken as strings; they are injected\n' +
    '  after the cell tagged "parameters" (the last value of a name given twice wins).\n' +
    '  Refuses (exit status 2, nothing run) a notebook for another kernel, one that breaks the nbformat 4\n' +
    '  schema, and --output/--html paths that cannot be written. A timeout, SIGINT or SIGTERM ends the\n' +
    '  kernel and every process its cells started, and still writes the notebook executed so far.',
};

/**
 * The optional dependencies each command needs (an engine-only `npm install --omit=optional` has
 * none of them): checked before anything is loaded, so a missing one is named, not a stack trace.
 * `install` checks too: a kernelspec whose kernel cannot start helps nobody.
 */
const NEEDS: Record<string, { feature: string; packages: string[] }> = {
  kernel: { feature: 'The tunelab kernel', packages: ['zeromq', 'tslab'] },
  install: { feature: 'The tunelab kernel (what the kernelspec starts)', packages: ['zeromq', 'tslab'] },
  run: { feature: '`tunelab run` (a kernel, and markdown-it for the HTML report)', packages: ['zeromq', 'tslab', 'markdown-it'] },
};

const LOCATION_OPTIONS = { user: { type: 'boolean' }, 'sys-prefix': { type: 'boolean' }, prefix: { type: 'string' } } as const;

function parseLocation(argv: string[]): InstallLocation {
  const { values, tokens } = parseCommandLine(argv, LOCATION_OPTIONS, { positionals: false });
  // Counted from the tokens: `--user --user` is as much a mistake as `--user --prefix DIR`.
  if (tokens.filter((t) => t.kind === 'option').length > 1) throw new UsageError('give only one of --user, --sys-prefix, --prefix DIR');
  if (values.prefix !== undefined) return { kind: 'prefix', dir: values.prefix };
  return values['sys-prefix'] ? { kind: 'sys-prefix' } : { kind: 'user' };
}

export interface RunArgs {
  notebook: string;
  output?: string;
  html?: string;
  timeoutSeconds?: number;
  /** nbconvert's --allow-errors: record every cell's error and go on; the run then succeeds. */
  allowErrors?: boolean;
  params: Array<[string, string]>;
}

const RUN_OPTIONS = {
  output: { type: 'string', short: 'o' },
  html: { type: 'string' },
  timeout: { type: 'string' },
  param: { type: 'string', short: 'p', multiple: true },
  'allow-errors': { type: 'boolean' },
} as const;

export function parseRunArgs(argv: string[]): RunArgs {
  const { values, positionals } = parseCommandLine(argv, RUN_OPTIONS);
  if (positionals.length === 0) throw new UsageError('which notebook? give NOTEBOOK.ipynb');
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]} (one notebook per run)`);
  const args: RunArgs = { notebook: positionals[0], params: [] };
  if (values.output !== undefined) args.output = values.output;
  if (values.html !== undefined) args.html = values.html;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout needs a positive number of seconds, got "${values.timeout}"`);
    args.timeoutSeconds = s;
  }
  if (values['allow-errors']) args.allowErrors = true;
  for (const v of values.param ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param needs NAME=VALUE, got "${v}"`);
    const name = v.slice(0, eq);
    const raw = v.slice(eq + 1);
    // Refused here, before a kernel starts: the injected cell would fail to compile, or hold
    // another value than the one given.
    try {
      checkParameterName(name);
      checkParameterValue(name, raw);
    } catch (err) {
      if (err instanceof ParameterError) throw new UsageError(err.message);
      throw err;
    }
    args.params.push([name, raw]);
  }
  return args;
}

export async function main(command: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE[command] ?? `unknown command ${command}`);
    return 0;
  }
  const needs = NEEDS[command];
  const missing = needs ? missingDependencies(needs.packages) : [];
  if (missing.length > 0) {
    console.error(`tunelab ${command}: ${missingDependencyMessage(needs.feature, missing)}`);
    return 1;
  }
  try {
    switch (command) {
      case 'kernel': {
        const file = parseCommandLine(argv, { 'connection-file': { type: 'string', short: 'f' } }, { positionals: false }).values[
          'connection-file'
        ];
        if (!file) throw new UsageError('--connection-file is required (Jupyter passes it through the kernelspec)');
        const { runKernel } = await import('./kernel');
        await runKernel(file);
        // The kernel keeps the process alive through its socket thread; never exit here.
        return new Promise<number>(() => undefined);
      }
      case 'install': {
        const loc = parseLocation(argv);
        const r = install(loc);
        console.log(`Installed the tunelab kernelspec in ${r.kernelDir}`);
        if (r.labextensionDir) console.log(`Installed the widget extension (JupyterLab 4 / Notebook 7) in ${r.labextensionDir}`);
        else
          console.warn(
            'tunelab install: the widget extension is not built (widgets/labextension is missing; `npm run build` builds it), so JupyterLab will show widgets as static text and HTML.',
          );
        const searched = jupyterDataPaths(loc);
        const manager = findWidgetManager(searched.paths);
        if (manager) console.log(`Found Jupyter's widget manager: ${path.dirname(manager)}`);
        else console.warn(`tunelab install: ${missingWidgetManagerMessage(searched)}`);
        return 0;
      }
      case 'uninstall': {
        const removed = uninstall(parseLocation(argv));
        if (removed.length === 0) console.log('Nothing to remove: no tunelab kernelspec at that location.');
        for (const p of removed) console.log(`Removed ${p}`);
        return 0;
      }
      case 'run': {
        const { runNotebook } = await import('./runner/run');
        return await runNotebook(parseRunArgs(argv));
      }
      default:
        console.error(`tunelab: ${command} is not a kernel command`);
        return 2;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tunelab ${command}: ${err.message}\n${USAGE[command] ?? ''}`);
      return 2;
    }
    if (err instanceof InstallError) {
      console.error(`tunelab ${command}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
