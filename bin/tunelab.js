#!/usr/bin/env node
'use strict';
// The `tunelab` command. Each subcommand lives in the compiled module that owns it and exports
// `main(argv): Promise<number>` (the exit status); this file only dispatches.
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const commands = {
  kernel: ['kernel/cli', 'start the Jupyter kernel (what the kernelspec runs)'],
  install: ['kernel/cli', 'install the tunelab kernelspec (and the widget extension)'],
  uninstall: ['kernel/cli', 'remove the tunelab kernelspec'],
  run: ['kernel/cli', 'execute a notebook headlessly; write the executed notebook and an HTML report'],
  worker: ['src/cli/worker', 'join a study stored in a database as a worker process'],
  // Optuna 5.0's commands, with its flags and output (-f value|json|table|yaml, plus csv; --flatten).
  'create-study': ['src/cli/optunaCommands', 'create a new study and print its name'],
  'delete-study': ['src/cli/optunaCommands', 'delete a study and its trials'],
  study: ['src/cli/optunaCommands', "'set-user-attr': set a user attribute of a study"],
  'study-names': ['src/cli/optunaCommands', 'print the names of all studies'],
  studies: ['src/cli/optunaCommands', 'show a list of studies'],
  trials: ['src/cli/optunaCommands', 'show the trials of a study'],
  'best-trial': ['src/cli/optunaCommands', 'show the best trial of a study'],
  'best-trials': ['src/cli/optunaCommands', 'show the trials on the Pareto front'],
  ask: ['src/cli/optunaCommands', 'create a trial and suggest its parameters (ask-and-tell from a shell)'],
  tell: ['src/cli/optunaCommands', 'finish a trial with values or a state'],
  reproduce: ['src/cli/reproduce', 're-run a finished trial with its recorded parameters and seed; report whether it is bit-identical'],
  storage: ['src/cli/storage', "'upgrade URL': upgrade a database from Optuna 3.0/3.1's schema to Optuna 5's"],
  'grpc-proxy': ['src/cli/grpcProxy', "serve a storage over Optuna's gRPC storage API (Optuna's run_grpc_proxy_server)"],
};

function usage() {
  const lines = Object.entries(commands).map(([name, [, help]]) => `  ${name.padEnd(13)} ${help}`);
  return `usage: tunelab <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tunelab <command> --help' for a command's options.`;
}

// Optuna's common options may come before the command (`optuna -q --storage URL trials ...`): move
// them to the end, after the command and any verb it takes (`storage upgrade`, `study set-user-attr`),
// so every command parses its own options. (The lists are src/cli/options.ts's COMMON_OPTIONS, which
// this file cannot load before it knows the build is there; test/cli/optuna-cli.test.ts checks them.)
function commandFirst(argv) {
  const valued = new Set(['--storage', '--storage-class', '--log-file']);
  const flags = new Set(['-q', '--quiet', '-v', '--verbose', '--debug']);
  const isCommon = (token) => valued.has(token.split('=')[0]) || flags.has(token);
  if (!argv[0] || !isCommon(argv[0])) return argv;
  let i = 0;
  while (i < argv.length && isCommon(argv[i])) i += valued.has(argv[i]) ? 2 : 1;
  return [...argv.slice(i), ...argv.slice(0, i)];
}

async function run() {
  const [name, ...rest] = commandFirst(process.argv.slice(2));
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(require('../package.json').version);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`tunelab: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  let mod;
  try {
    mod = require(path.join(dist, entry[0]));
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(dist)) {
      console.error(`tunelab: the compiled code is missing (${entry[0]}). Run 'npm run build' in ${path.dirname(dist)} first.`);
      return 2;
    }
    throw err;
  }
  return mod.main(name, rest);
}

run().then(
  (code) => {
    process.exitCode = typeof code === 'number' ? code : 0;
  },
  (err) => {
    console.error(`tunelab: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 1;
  },
);
