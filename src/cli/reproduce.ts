/**
 * `tunelab reproduce --storage URL --study-name NAME --trial N OBJECTIVE_MODULE`: re-run a finished
 * trial of a stored study with its recorded parameters and seed (study.reproduce) and say whether the
 * value is bit-identical, how far off it is otherwise, and what differs from the recorded environment.
 * The database is opened read-only: the re-run happens in a scratch in-memory study.
 */
import { TunelabError } from '../errors';
import { parseCommandLine, UsageError } from './args';
import { loadObjective, objectiveFromModule } from '../parallel/moduleObjective';
import { usingStorage } from '../storage';
import type { Objective } from '../study';
import { loadStudy } from '../study/lifecycle';

const USAGE = `usage: tunelab reproduce --storage URL --study-name NAME --trial N OBJECTIVE_MODULE [options]

Re-run trial N of a stored study with its recorded parameters and seed, using the objective exported
by OBJECTIVE_MODULE (.ts or .js), and report whether the value is bit-identical, or how far off, and
which fields of the environment recorded with the study differ from this one.
  --export NAME   export holding the objective (default: the default export)
  --json          print the report as JSON
Exit status: 0 when the re-run is bit-identical, 1 when it differs (or on an error), 2 for bad usage.`;

interface ReproduceConfig {
  storage: string;
  studyName: string;
  trial: number;
  modulePath: string;
  exportName: string;
  json: boolean;
}

function readConfig(argv: string[]): ReproduceConfig {
  const { values, positionals } = parseCommandLine(argv, {
    storage: { type: 'string' },
    'study-name': { type: 'string' },
    trial: { type: 'string' },
    export: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.storage === undefined) throw new UsageError('--storage URL is required.');
  if (values['study-name'] === undefined) throw new UsageError('--study-name NAME is required.');
  if (values.trial === undefined) throw new UsageError('--trial N (the trial number) is required.');
  const trial = Number(values.trial);
  if (!/^\d+$/.test(values.trial) || !Number.isSafeInteger(trial))
    throw new UsageError(`--trial must be a trial number (0, 1, ...), got '${values.trial}'.`);
  if (positionals.length !== 1) throw new UsageError('give exactly one objective module (e.g. objective.ts).');
  return {
    storage: values.storage,
    studyName: values['study-name'],
    trial,
    modulePath: positionals[0],
    exportName: values.export ?? 'default',
    json: values.json === true,
  };
}

export async function main(_command: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let config: ReproduceConfig;
  try {
    config = readConfig(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tunelab reproduce: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  try {
    const objective = loadObjective<Objective>(objectiveFromModule(config.modulePath, config.exportName));
    return await usingStorage(
      config.storage,
      async (storage) => {
        const study = await loadStudy({ storage, studyName: config.studyName });
        const report = await study.reproduce(config.trial, objective);
        console.log(config.json ? JSON.stringify(report, null, 2) : report.toString());
        return report.identical ? 0 : 1;
      },
      { readOnly: true },
    );
  } catch (err) {
    if (err instanceof TunelabError) {
      console.error(`tunelab reproduce: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
