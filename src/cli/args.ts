/** A small --flag value parser for the tunelab subcommands (no dependency for a handful of options). */
export interface ParsedArgs {
  flags: Map<string, string | true>;
  positional: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], valued: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (booleans.includes(name)) {
      flags.set(name, true);
    } else if (valued.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}.`);
    }
  }
  return { flags, positional };
}

export function numberFlag(args: ParsedArgs, name: string, opts: { integer?: boolean; min?: number } = {}): number | undefined {
  const raw = args.flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === true || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(`--${name} must be a${opts.integer ? 'n integer' : ' number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${String(raw)}'.`);
  }
  return n;
}
