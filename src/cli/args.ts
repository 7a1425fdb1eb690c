/**
 * Command-line parsing for the tunelab subcommands, on Node's `util.parseArgs` (strict mode), with
 * the two things it leaves to its callers:
 * - its errors become a UsageError whose message names the option and says what to do (the nearest
 *   known option for a misspelt one), without parseArgs' advice about `--`;
 * - a negative number after an option that takes a value is that value (`--timeout -1`), as
 *   argparse reads it, so the range check can say what is wrong with it rather than parseArgs
 *   calling the option ambiguous.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { nearestKey } from '../options';

export class UsageError extends Error {}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What parseCommandLine returns: util.parseArgs' typed values, positionals and tokens. */
export type ParsedCommandLine<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true; tokens: true }>
>;

// A negative number is a value, not an option (argparse's rule when no option looks like one).
export const NEGATIVE_NUMBER = /^-(?:\d|\.\d|inf|nan)/i;

/** Spell `--name -1` / `-n -1` as `--name=-1` for the options that take a value. */
function negativeValuesInline(argv: readonly string[], options: OptionsConfig): string[] {
  const longOf = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    longOf.set(`--${name}`, name);
    if (o.short) longOf.set(`-${o.short}`, name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    const name = longOf.get(argv[i]);
    if (name !== undefined && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) out.push(`--${name}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/** The `--long` spelling in one of parseArgs' messages ("Option '-o, --output <value>' argument missing"). */
function optionIn(message: string): string {
  return /'(?:-\w, )?(-[^' ]+)/.exec(message)?.[1] ?? 'an option';
}

/** A close spelling (nearestKey), else the one option the text abbreviates (`--connection`). */
function nearestOption(name: string, known: readonly string[]): string | undefined {
  const near = nearestKey(name, known);
  if (near !== undefined) return near;
  const extending = known.filter((k) => k.startsWith(name));
  return extending.length === 1 ? extending[0] : undefined;
}

function usageErrorFrom(err: unknown, options: OptionsConfig): UsageError {
  const { code, message } = err as { code?: string; message: string };
  const option = optionIn(message);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const near = option.startsWith('--') ? nearestOption(option.slice(2), Object.keys(options)) : undefined;
      const hint = near === undefined ? '' : ` Did you mean --${near}?`;
      return new UsageError(`unknown option ${option}.${hint} Run with --help to see the options.`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(/does not take an argument/.test(message) ? `${option} takes no value.` : `${option} needs a value.`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument '${/'([^']*)'/.exec(message)?.[1] ?? ''}': this command takes options only.`);
    default:
      return new UsageError(message);
  }
}

/**
 * `util.parseArgs` in strict mode over `argv`, with tokens (to see the order options came in).
 * Throws a UsageError for an unknown option, a missing or unexpected value, or (without
 * `positionals`) any argument that is not an option.
 */
export function parseCommandLine<const O extends OptionsConfig>(
  argv: readonly string[],
  options: O,
  { positionals = true } = {},
): ParsedCommandLine<O> {
  try {
    return parseArgs({ args: negativeValuesInline(argv, options), options, allowPositionals: positionals, strict: true, tokens: true });
  } catch (err) {
    throw usageErrorFrom(err, options);
  }
}

/** A numeric option's value, checked: undefined when the option was not given. */
export function numberOption(name: string, raw: string | undefined, opts: { integer?: boolean; min?: number } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(
      `--${name} must be a${opts.integer ? 'n integer' : ' number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${raw}'.`,
    );
  }
  return n;
}
