/**
 * `tunelab studies --storage URL [--json]`: list the studies of a storage (name, direction, trials,
 * best value, start), like `optuna studies`.
 */
import { getStorage } from '../storage';
import type { StudySummary } from '../storage/base';
import { TunelabError } from '../errors';
import { parseArgs, UsageError } from './args';

const USAGE = `usage: tunelab studies --storage URL [--json]

List the studies stored at URL (sqlite:///path.db or postgresql://user:pass@host:port/db).
  --json    print the summaries as JSON instead of a table`;

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

export function formatStudiesTable(studies: StudySummary[]): string {
  const header = ['name', 'direction', 'trials', 'best value', 'start'];
  const rows = studies.map((s) => [
    s.studyName,
    s.directions.join(','),
    String(s.nTrials),
    s.bestValues ? s.bestValues.map(formatValue).join(',') : '-',
    s.datetimeStart ? s.datetimeStart.toISOString().replace('T', ' ').slice(0, 19) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function main(_command: string, argv: string[]): Promise<number> {
  let storageUrl: string;
  let json: boolean;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(USAGE);
      return 0;
    }
    const args = parseArgs(argv, ['storage'], ['json']);
    const url = args.flags.get('storage');
    if (typeof url !== 'string') throw new UsageError('--storage URL is required.');
    if (args.positional.length > 0) throw new UsageError(`unexpected argument '${args.positional[0]}'.`);
    storageUrl = url;
    json = args.flags.has('json');
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tunelab studies: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  try {
    // Listing changes nothing: not even a SQLite file's journal mode.
    const storage = await getStorage(storageUrl, { readOnly: true });
    try {
      const studies = await storage.getAllStudies();
      if (json) console.log(JSON.stringify(studies, null, 2));
      else if (studies.length === 0) console.log(`No studies in ${storageUrl.replace(/:[^:@/]*@/, ':***@')}.`);
      else console.log(formatStudiesTable(studies));
    } finally {
      await storage.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof TunelabError) {
      console.error(`tunelab studies: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
