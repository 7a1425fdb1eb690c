/**
 * `tunelab storage upgrade URL`: move a database written by Optuna 3.0/3.1 (schema v3.0.0.d) to the
 * schema of Optuna 3.2-5.0 (v3.2.0.a), which tunelab writes; the counterpart of
 * `optuna storage upgrade --storage URL` (whose `--storage URL` spelling is accepted too).
 *
 * Exit status: 0 upgraded or already at the head, 1 the database cannot be upgraded (unknown or too
 * old a revision, no Optuna tables, unreachable), 2 bad usage.
 */
import { TunelabError } from '../errors';
import { shownUrl } from '../storage/rdb/revision';
import { HEAD_REVISION, PREVIOUS_REVISION } from '../storage/rdb/schema';
import { upgradeStorage } from '../storage/rdb/upgrade';
import { parseCommandLine, UsageError } from './args';

const USAGE = `usage: tunelab storage upgrade URL
       tunelab storage upgrade --storage URL

Upgrade the Optuna storage at URL (sqlite:///path.db or postgresql://user:pass@host:port/db) from
schema ${PREVIOUS_REVISION} (Optuna 3.0/3.1) to ${HEAD_REVISION} (Optuna 3.2 to 5.0), in one transaction,
as 'optuna storage upgrade' does. tunelab reads ${PREVIOUS_REVISION} databases but writes only ${HEAD_REVISION}.
After the upgrade, Optuna 3.0/3.1 can no longer open the database.`;

function parse(argv: string[]): string {
  const [verb, ...rest] = argv;
  if (verb === undefined) throw new UsageError("a sub-command is required: 'upgrade'.");
  if (verb !== 'upgrade') throw new UsageError(`unknown sub-command '${verb}' (the only one is 'upgrade').`);
  const { values, positionals } = parseCommandLine(rest, { storage: { type: 'string' } });
  const urls = [...(values.storage === undefined ? [] : [values.storage]), ...positionals];
  if (urls.length === 0) throw new UsageError('the storage URL is required.');
  if (urls.length > 1) throw new UsageError(`give one storage URL, got ${urls.length}: ${urls.map(shownUrl).join(' ')}.`);
  return urls[0];
}

export async function main(_command: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let url: string;
  try {
    url = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tunelab storage: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  try {
    const outcome = await upgradeStorage(url);
    if (outcome.upgraded) {
      console.log(
        `Upgraded ${outcome.where} from Optuna storage schema ${outcome.from} to ${outcome.to} ` +
          `(added index trials_study_id_key on trials(study_id)). tunelab and Optuna 3.2 to 5.0 can now write it; ` +
          `Optuna 3.0/3.1 can no longer open it.`,
      );
    } else {
      console.log(`${outcome.where} is already at schema ${outcome.to}, the latest tunelab and Optuna 5.0 know; nothing to do.`);
    }
    return 0;
  } catch (err) {
    if (err instanceof TunelabError) {
      console.error(`tunelab storage upgrade: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
