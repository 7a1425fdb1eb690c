/** The benchmarks' command-line options: `--name value`. */

/** The number after `--name` on the command line, or `dflt` when the option is absent. */
export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
