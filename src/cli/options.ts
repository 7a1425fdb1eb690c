/**
 * Option parsing for the Optuna-compatible subcommands, on Node's `util.parseArgs`, with the two
 * argparse habits Optuna's CLI relies on: options taking one or more values (`--directions minimize
 * maximize`, `--values 1.5 -2`) and choices checked up front.
 */
import { parseArgs } from 'node:util';
import { NEGATIVE_NUMBER, UsageError } from './args';
import { nearestKey } from '../options';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Takes one or more values (argparse's nargs="+"). */
  readonly many?: boolean;
  readonly choices?: readonly string[];
  readonly required?: boolean;
  readonly metavar?: string;
  readonly help: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What every subcommand accepts (Optuna's common arguments tunelab can honour). */
export const COMMON_OPTIONS: OptionSpecs = {
  storage: {
    type: 'string',
    metavar: 'URL',
    help: 'DB URL (sqlite:///example.db, postgresql://user:pass@host/db); also read from OPTUNA_STORAGE.',
  },
  'storage-class': {
    type: 'string',
    metavar: 'CLASS',
    choices: ['RDBStorage', 'JournalFileBackend', 'JournalFileStorage', 'JournalRedisBackend', 'JournalRedisStorage'],
    help: 'how to open --storage, as optuna: a DB URL (RDBStorage), a journal file path or a Redis URL.',
  },
  verbose: { type: 'boolean', short: 'v', help: 'show debug log lines too.' },
  quiet: { type: 'boolean', short: 'q', help: 'suppress output except warnings and errors.' },
  'log-file': { type: 'string', metavar: 'PATH', help: 'also append the log lines (and errors) to this file.' },
  debug: { type: 'boolean', help: 'show stack traces on errors.' },
};

export interface Parsed {
  readonly strings: ReadonlyMap<string, string>;
  readonly lists: ReadonlyMap<string, readonly string[]>;
  readonly flags: ReadonlySet<string>;
}

// A negative number is a value, not an option (argparse's rule when no option looks like one).
const isValue = (token: string) => !token.startsWith('-') || NEGATIVE_NUMBER.test(token);

/**
 * The command line as parseArgs should read it, spelled as argparse (optuna's parser) reads it:
 * an unambiguous prefix of an option stands for it (`--study` for `--study-name`); a negative number
 * after an option that takes a value is that value (`--trial-number -1`); `--name a b` becomes
 * `--name=a --name=b` so parseArgs' `multiple` collects them. An unknown option is answered with the
 * nearest one.
 */
function normalizeArgs(argv: readonly string[], specs: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--') || token === '--') {
      out.push(token);
      continue;
    }
    const [written, inline] = token.includes('=')
      ? [token.slice(2, token.indexOf('=')), token.slice(token.indexOf('=') + 1)]
      : [token.slice(2), undefined];
    const name = resolveOptionName(written, specs);
    const spec = specs[name];
    if (inline !== undefined) {
      out.push(`--${name}=${inline}`);
    } else if (spec.many) {
      let n = 0;
      while (i + 1 < argv.length && isValue(argv[i + 1])) {
        out.push(`--${name}=${argv[++i]}`);
        n++;
      }
      if (n === 0) throw new UsageError(`--${name} expects at least one value.`);
    } else if (spec.type === 'string' && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) {
      out.push(`--${name}=${argv[++i]}`);
    } else {
      out.push(`--${name}`);
    }
  }
  return out;
}

/** The option `written` names: itself, or the one option it is a prefix of (argparse's allow_abbrev). */
function resolveOptionName(written: string, specs: OptionSpecs): string {
  if (Object.hasOwn(specs, written)) return written;
  const names = Object.keys(specs);
  const extending = names.filter((n) => n.startsWith(written));
  if (written.length > 0 && extending.length === 1) return extending[0];
  if (written.length > 0 && extending.length > 1) {
    throw new UsageError(`ambiguous option: --${written} could match ${extending.map((n) => `--${n}`).join(', ')}.`);
  }
  const near = nearestKey(written, names);
  throw new UsageError(`unknown option '--${written}'.${near === undefined ? '' : ` Did you mean --${near}?`}`);
}

export function parseOptions(argv: readonly string[], specs: OptionSpecs): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs))
    options[name] = { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.many ? { multiple: true } : {}) };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: normalizeArgs(argv, specs), options, allowPositionals: true, strict: true }));
  } catch (err) {
    // parseArgs' messages name the option; drop its code suffix and advice about '--'.
    throw new UsageError((err as Error).message.replace(/\s*To specify an option argument.*$/s, ''));
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'.`);
  const strings = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const flags = new Set<string>();
  for (const [name, spec] of Object.entries(specs)) {
    const v = values[name];
    if (v === undefined) {
      if (spec.required) throw new UsageError(`the option --${name} is required.`);
      continue;
    }
    const all = (Array.isArray(v) ? v : [v]).map(String);
    for (const x of spec.type === 'string' && spec.choices ? all : []) {
      if (!spec.choices!.includes(x)) throw new UsageError(`--${name}: invalid choice '${x}' (choose from ${spec.choices!.join(', ')}).`);
    }
    if (spec.type === 'boolean') flags.add(name);
    else if (spec.many) lists.set(name, all);
    else strings.set(name, all[all.length - 1]);
  }
  return { strings, lists, flags };
}

/** `usage:` line plus one line per option, argparse style. */
export function usageText(command: string, description: string, specs: OptionSpecs): string {
  const spell = (name: string, s: OptionSpec) => {
    const flag = `${s.short ? `-${s.short}, ` : ''}--${name}`;
    if (s.type === 'boolean') return flag;
    const meta = s.choices ? `{${s.choices.join(',')}}` : (s.metavar ?? name.toUpperCase().replace(/-/g, '_'));
    return `${flag} ${meta}${s.many ? ` [${meta} ...]` : ''}`;
  };
  const entries = Object.entries(specs);
  const shortUsage = entries
    .map(([name, s]) => (s.required ? spell(name, s).replace(/^-\w, /, '') : `[${spell(name, s).replace(/^-\w, /, '')}]`))
    .join(' ');
  const spelled = entries.map(([name, s]) => [spell(name, s), s.help] as const);
  const w = Math.min(34, Math.max(...spelled.map(([f]) => f.length)));
  const lines = spelled.map(([f, help]) => (f.length > w ? `  ${f}\n  ${' '.repeat(w)}  ${help}` : `  ${f.padEnd(w)}  ${help}`));
  return `usage: tunelab ${command} ${shortUsage}\n\n${description}\n\noptions:\n  -h, --help${' '.repeat(Math.max(2, w - 8))}show this help message and exit\n${lines.join('\n')}`;
}
