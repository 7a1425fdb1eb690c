/**
 * Optuna 5.0's CLI commands with the same names, flags and output, so a script written for `optuna`
 * runs with `tunelab`: create-study, delete-study, study set-user-attr, study-names, studies,
 * trials, best-trial, best-trials, ask, tell (`storage upgrade` lives in ./storage.ts).
 *
 * Exit status: 0 done, 1 the storage or study refused (unknown study, duplicate name, bad values),
 * 2 bad usage.
 */
import { DuplicatedStudyError, InvalidArgumentError, TunelabError } from '../errors';
import { isFinished, TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import { addLogHandler, DEBUG, ERROR, formatLogLine, INFO, log, setVerbosity, WARNING, type LogRecord } from '../logging';
import { usingStorage, type Storage } from '../storage';
import type { Study } from '../study';
import { loadStudy } from '../study/lifecycle';
import { UsageError } from './args';
import { COMMON_OPTIONS, parseOptions, usageText, type OptionSpecs, type Parsed } from './options';
import { FORMATS, formatOutput, type OutputFormat } from './output';
import { PyFloat, pyStr, type PyValue } from './pyvalue';
import { columnId, paramToPy, studyRecords, trialRecords, type Column, type ColumnRecord } from './records';
import { samplerFromName, SAMPLER_NAMES } from './samplerFromName';
import { parseSearchSpace } from './searchSpace';
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';

interface Context {
  readonly opts: Parsed;
  readonly storageUrl: string;
  /** An informational line on stderr (Optuna logs these at INFO), silenced by -q. */
  info(message: string): void;
}

interface Command {
  readonly description: string;
  readonly options: OptionSpecs;
  run(ctx: Context): Promise<void>;
}

const formatOption = (fallback: OutputFormat) =>
  ({ type: 'string', short: 'f', choices: FORMATS, help: `output format (default: ${fallback}; csv is tunelab's, always flat).` }) as const;
const FLATTEN = { type: 'boolean', help: 'flatten nested columns such as params and user_attrs.' } as const;
const STUDY_NAME = { type: 'string', required: true, help: 'the name of the study.' } as const;

function outputFormat(ctx: Context, fallback: OutputFormat): OutputFormat {
  return (ctx.opts.strings.get('format') as OutputFormat | undefined) ?? fallback;
}

/** Listing commands open the storage read-only: they never change a database (not even SQLite's journal mode). */
function withStorage<T>(ctx: Context, readOnly: boolean, use: (storage: Storage) => Promise<T>): Promise<T> {
  return usingStorage(ctx.storageUrl, use, { readOnly });
}

async function withStudy<T>(
  ctx: Context,
  readOnly: boolean,
  use: (study: Study) => Promise<T>,
  sampler?: Parameters<typeof loadStudy>[0]['sampler'],
): Promise<T> {
  return withStorage(ctx, readOnly, async (storage) =>
    use(await loadStudy({ studyName: ctx.opts.strings.get('study-name')!, storage, sampler })),
  );
}

/** Optuna's `study.metric_names` (the `study:metric_names` system attribute set by `set_metric_names`). */
async function metricNames(study: Study): Promise<string[] | null> {
  const names = (await study.storage.getStudySystemAttrs(study.studyId))['study:metric_names'];
  return Array.isArray(names) && names.every((n) => typeof n === 'string') ? (names as string[]) : null;
}

async function trialOutput(
  ctx: Context,
  study: Study,
  pick: (trials: readonly FrozenTrial[]) => FrozenTrial[],
  single: boolean,
): Promise<string> {
  const { records, columns } = trialRecords(study.trials, study.directions.length, await metricNames(study));
  const wanted = new Set(pick(study.trials).map((t) => t.number));
  const chosen = records.filter((r) => wanted.has(r.get(columnId({ name: 'number', sub: '' })) as number));
  return formatOutput(chosen, columns, outputFormat(ctx, 'table'), ctx.opts.flags.has('flatten'), single);
}

const STATES: Record<string, TrialState> = { complete: TrialState.COMPLETE, pruned: TrialState.PRUNED, fail: TrialState.FAIL };

export const COMMANDS: Record<string, Command> = {
  'create-study': {
    description: 'Create a new study and print its name.',
    options: {
      'study-name': { type: 'string', help: 'a human-readable name of the study (default: a generated one).' },
      direction: { type: 'string', choices: ['minimize', 'maximize'], help: 'the direction of a single-objective study.' },
      directions: {
        type: 'string',
        many: true,
        choices: ['minimize', 'maximize'],
        help: 'the directions of a multi-objective study, separated by spaces.',
      },
      'skip-if-exists': { type: 'boolean', help: 'print the name without error when a study of that name exists.' },
    },
    async run(ctx) {
      const direction = ctx.opts.strings.get('direction') as Direction | undefined;
      const directions = ctx.opts.lists.get('directions') as Direction[] | undefined;
      if (direction && directions) throw new InvalidArgumentError('Specify only one of --direction and --directions.');
      const name = ctx.opts.strings.get('study-name');
      await withStorage(ctx, false, async (storage) => {
        try {
          console.log(await storage.getStudyNameFromId(await storage.createNewStudy(directions ?? [direction ?? 'minimize'], name)));
        } catch (err) {
          if (!(err instanceof DuplicatedStudyError && ctx.opts.flags.has('skip-if-exists'))) throw err;
          ctx.info(`Using an existing study with name '${name}' instead of creating a new one.`);
          console.log(name);
        }
      });
    },
  },
  'delete-study': {
    description: 'Delete a study and its trials.',
    options: { 'study-name': STUDY_NAME },
    async run(ctx) {
      await withStorage(ctx, false, async (storage) =>
        storage.deleteStudy(await storage.getStudyIdFromName(ctx.opts.strings.get('study-name')!)),
      );
    },
  },
  'study set-user-attr': {
    description: 'Set a user attribute (a string) of a study.',
    options: {
      'study-name': STUDY_NAME,
      key: { type: 'string', short: 'k', required: true, help: 'the key of the user attribute.' },
      value: { type: 'string', required: true, help: 'the value to set.' },
    },
    async run(ctx) {
      await withStudy(ctx, false, (study) => study.setUserAttr(ctx.opts.strings.get('key')!, ctx.opts.strings.get('value')!));
      ctx.info('Attribute successfully written.');
    },
  },
  'study-names': {
    description: 'Print the names of all studies in the storage.',
    options: { format: formatOption('value') },
    async run(ctx) {
      const column: Column = { name: 'name', sub: '' };
      const studies = await withStorage(ctx, true, (storage) => storage.getAllStudies());
      const records = studies.map((s): ColumnRecord => new Map([[columnId(column), s.studyName]]));
      console.log(formatOutput(records, [column], outputFormat(ctx, 'value'), false));
    },
  },
  studies: {
    description: 'Show a list of studies (name, direction, n_trials, datetime_start, and user_attrs when set).',
    options: {
      format: formatOption('table'),
      flatten: FLATTEN,
      json: { type: 'boolean', help: 'the same as -f json (tunelab 0.1 spelling).' },
    },
    async run(ctx) {
      const studies = await withStorage(ctx, true, (storage) => storage.getAllStudies());
      const { records, columns } = studyRecords(studies);
      const format = ctx.opts.flags.has('json') ? 'json' : outputFormat(ctx, 'table');
      console.log(formatOutput(records, columns, format, ctx.opts.flags.has('flatten')));
    },
  },
  trials: {
    description: 'Show the trials of a study.',
    options: { 'study-name': STUDY_NAME, format: formatOption('table'), flatten: FLATTEN },
    async run(ctx) {
      console.log(await withStudy(ctx, true, (study) => trialOutput(ctx, study, (all) => [...all], false)));
    },
  },
  'best-trial': {
    description: 'Show the best trial of a single-objective study.',
    options: { 'study-name': STUDY_NAME, format: formatOption('table'), flatten: FLATTEN },
    async run(ctx) {
      console.log(await withStudy(ctx, true, (study) => trialOutput(ctx, study, () => [study.bestTrial], true)));
    },
  },
  'best-trials': {
    description: 'Show the trials on the Pareto front.',
    options: { 'study-name': STUDY_NAME, format: formatOption('table'), flatten: FLATTEN },
    async run(ctx) {
      console.log(await withStudy(ctx, true, (study) => trialOutput(ctx, study, () => study.bestTrials, false)));
    },
  },
  ask: {
    description: 'Create a new trial, suggest the parameters of --search-space, and print its number and params.',
    options: {
      'study-name': STUDY_NAME,
      sampler: { type: 'string', metavar: 'CLASS', help: `an Optuna sampler class name (${SAMPLER_NAMES.join(', ')}).` },
      'sampler-kwargs': {
        type: 'string',
        metavar: 'JSON',
        help: 'the sampler\'s keyword arguments as JSON (snake_case, as Optuna\'s), e.g. {"seed": 1}.',
      },
      'search-space': {
        type: 'string',
        metavar: 'JSON',
        help: 'the search space as JSON: names to Optuna distribution JSON, e.g. {"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}}}.',
      },
      format: formatOption('json'),
      flatten: { type: 'boolean', help: 'flatten nested columns such as params.' },
    },
    async run(ctx) {
      const samplerName = ctx.opts.strings.get('sampler');
      const kwargs = ctx.opts.strings.get('sampler-kwargs');
      if (samplerName === undefined && kwargs !== undefined) {
        throw new InvalidArgumentError('--sampler-kwargs is set without --sampler. Specify --sampler as well or omit --sampler-kwargs.');
      }
      const sampler = samplerName === undefined ? undefined : samplerFromName(samplerName, kwargs);
      const spaceJson = ctx.opts.strings.get('search-space');
      const space = spaceJson === undefined ? {} : parseSearchSpace(spaceJson);
      const flatten = ctx.opts.flags.has('flatten');
      const output = await withStudy(
        ctx,
        false,
        async (study) => {
          const trial = await study.ask(space);
          await trial.flush();
          const params = trial.params;
          ctx.info(
            `Asked trial ${trial.number} with parameters ${pyStr(new Map(Object.entries(params).map(([k, v]) => [k, paramToPy(v, space[k])])))}.`,
          );
          const record: ColumnRecord = new Map([[columnId({ name: 'number', sub: '' }), trial.number]]);
          const columns: Column[] = [{ name: 'number', sub: '' }];
          const names = Object.keys(params);
          if (names.length === 0 && !flatten) {
            columns.push({ name: 'params', sub: '' });
            record.set(columnId(columns[1]), new Map<string, PyValue>());
          }
          for (const name of names) {
            const column = { name: 'params', sub: name };
            columns.push(column);
            record.set(columnId(column), paramToPy(params[name], space[name]));
          }
          return formatOutput([record], columns, outputFormat(ctx, 'json'), flatten, true);
        },
        sampler,
      );
      console.log(output);
    },
  },
  tell: {
    description: 'Finish a trial created by ask (here or by optuna) with values or a state.',
    options: {
      'study-name': STUDY_NAME,
      'trial-number': { type: 'string', metavar: 'N', required: true, help: 'the number of the trial.' },
      values: { type: 'string', many: true, metavar: 'VALUE', help: 'the objective values.' },
      state: { type: 'string', choices: ['complete', 'pruned', 'fail'], help: 'the state to record (default: complete with values).' },
      'skip-if-finished': { type: 'boolean', help: 'do nothing, without error, when the trial is already finished.' },
    },
    async run(ctx) {
      const numberText = ctx.opts.strings.get('trial-number')!;
      const number = Number(numberText);
      if (!/^\s*[-+]?\d+\s*$/.test(numberText)) throw new UsageError(`--trial-number must be an integer, got '${numberText}'.`);
      const valueTexts = ctx.opts.lists.get('values');
      const values = valueTexts?.map((text) => {
        const v = Number(text.replace(/^([-+]?)inf(inity)?$/i, '$1Infinity'));
        if (text.trim() === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(text)))
          throw new UsageError(`--values: '${text}' is not a number.`);
        return v;
      });
      const stateName = ctx.opts.strings.get('state');
      // How optuna's CLI prints what it was told: the --values as floats, and the --state as a
      // TrialState (None without --state, whatever state the values then give the trial).
      const floats = (vs: readonly number[] | null | undefined) => (vs ? `[${vs.map((v) => pyStr(new PyFloat(v))).join(', ')}]` : 'None');
      const toldText = `values ${floats(values)} and state ${stateName === undefined ? 'None' : `TrialState.${stateName.toUpperCase()}`}`;
      await withStudy(ctx, false, async (study) => {
        // As Optuna's tell: a finished trial is skipped before the state and values are checked, and
        // the log says it was skipped and what the trial holds (not that it was told).
        const stored = study.trials.find((t) => t.number === number);
        if (stored && isFinished(stored.state) && ctx.opts.flags.has('skip-if-finished')) {
          ctx.info(
            `Skipped telling trial ${number} with ${toldText} since trial was already finished. ` +
              `Finished trial has values ${floats(stored.values)} and state TrialState.${TrialState[stored.state]}.`,
          );
          return;
        }
        // Optuna's rules: COMPLETE needs values, PRUNED and FAIL take none.
        if (stateName === 'complete' && values === undefined)
          throw new InvalidArgumentError('No values were told. Values are required when state is complete.');
        if ((stateName === 'pruned' || stateName === 'fail') && values !== undefined) {
          throw new InvalidArgumentError(`Values cannot be specified when state is ${stateName}.`);
        }
        const state = stateName === undefined ? undefined : STATES[stateName];
        if (state === TrialState.COMPLETE && values && (values.some(Number.isNaN) || values.length !== study.directions.length)) {
          throw new InvalidArgumentError(
            `--values ${valueTexts!.join(' ')}: a COMPLETE trial needs ${study.directions.length} value(s), none NaN.`,
          );
        }
        if (stateName === undefined && values === undefined) ctx.info('No values were told: the trial is recorded as FAIL.');
        await study.tell(number, values ?? null, {
          state: state ?? (values === undefined ? TrialState.FAIL : undefined),
          skipIfFinished: ctx.opts.flags.has('skip-if-finished'),
        });
        ctx.info(`Told trial ${number} with ${toldText}.`);
      });
    },
  },
};

function storageUrl(opts: Parsed): string {
  const url = opts.strings.get('storage') ?? process.env.OPTUNA_STORAGE;
  if (url === undefined || url === '') throw new UsageError('Storage URL is not specified: pass --storage URL (or set OPTUNA_STORAGE).');
  // As optuna's CLI: --storage-class says how to open it; without one, a redis URL is a Redis
  // journal and the path of an existing file a journal file; anything else is a database URL.
  const storageClass = opts.strings.get('storage-class');
  const journalFile = (path: string) => `journal:///${path}`;
  if (storageClass === 'JournalFileBackend' || storageClass === 'JournalFileStorage') return journalFile(url);
  if (storageClass === undefined && !url.includes('://') && existsSync(url) && statSync(url).isFile()) return journalFile(url);
  return url;
}

/** Usage of one command (the text `tunelab <command> --help` prints). */
export function commandUsage(name: string): string {
  const command = COMMANDS[name];
  return usageText(name, command.description, { ...command.options, ...COMMON_OPTIONS });
}

/** `tunelab <command> ...` for the commands above; `study` takes its verb (`set-user-attr`) first. */
export async function main(commandName: string, argv: string[]): Promise<number> {
  let name = commandName;
  let rest = argv;
  if (commandName === 'study') {
    name = `study ${argv[0] ?? ''}`.trim();
    rest = argv.slice(1);
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`tunelab ${commandName}: unknown sub-command '${argv[0] ?? ''}' (the only one is 'set-user-attr').`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandUsage(name));
    return 0;
  }
  let ctx: Context;
  let logFile: LogFile | undefined;
  try {
    const opts = parseOptions(rest, { ...command.options, ...COMMON_OPTIONS });
    // As optuna's CLI: INFO by default, WARNING with -q, DEBUG with -v.
    setVerbosity(opts.flags.has('quiet') ? WARNING : opts.flags.has('verbose') ? DEBUG : INFO);
    const path = opts.strings.get('log-file');
    if (path !== undefined) logFile = openLogFile(path);
    ctx = { opts, storageUrl: storageUrl(opts), info: (message) => log(INFO, message) };
  } catch (err) {
    logFile?.close();
    if (err instanceof UsageError) {
      console.error(`tunelab ${name}: ${err.message}\n\n${commandUsage(name)}`);
      return 2;
    }
    throw err;
  }
  const fail = (message: string, status: number): number => {
    console.error(`tunelab ${name}: ${message}`);
    logFile?.error(message);
    return status;
  };
  try {
    await command.run(ctx);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, 2);
    if (err instanceof TunelabError) return fail(ctx.opts.flags.has('debug') ? String(err.stack) : inCommandLineTerms(err.message), 1);
    throw err;
  } finally {
    logFile?.close();
  }
}

interface LogFile {
  /** Appends an error line (what the command prints on stderr when it fails). */
  error(message: string): void;
  close(): void;
}

/**
 * `--log-file PATH`: every log line at or above the verbosity is appended to PATH too, in Optuna's
 * format (optuna's CLI adds a FileHandler to the root logger), and so is the error a failed command
 * prints. Opened before the command runs, so a path that cannot be written is a usage error.
 */
function openLogFile(path: string): LogFile {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (err) {
    throw new UsageError(`--log-file: cannot open '${path}' for appending (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
  const write = (record: LogRecord) => writeSync(fd, `${formatLogLine(record)}\n`);
  const removeHandler = addLogHandler(write);
  return {
    error: (message) => write({ level: ERROR, levelName: 'ERROR', message, time: new Date() }),
    close: () => {
      removeHandler();
      closeSync(fd);
    },
  };
}

/**
 * The engine's errors advise in the API's terms (`loadIfExists: true`); on the command line the same
 * advice is a flag or a command.
 */
const API_TO_CLI: ReadonlyArray<[RegExp, string]> = [
  [/pass skipIfFinished: true/g, 'pass --skip-if-finished'],
  [/Pass loadIfExists: true to resume it/g, 'Pass --skip-if-exists to keep it'],
  [/Create it with createStudy\(\{ studyName, storage \}\)/g, "Create it with 'tunelab create-study --study-name NAME --storage URL'"],
];

function inCommandLineTerms(message: string): string {
  return API_TO_CLI.reduce((text, [api, cli]) => text.replace(api, cli), message);
}
