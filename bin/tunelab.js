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
  studies: ['src/cli/studies', 'list the studies in a storage'],
  worker: ['src/cli/worker', 'join a study stored in a database as a worker process'],
  reproduce: ['src/cli/reproduce', 're-run a finished trial with its recorded parameters and seed; report whether it is bit-identical'],
  storage: ['src/cli/storage', "'upgrade URL': upgrade a database from Optuna 3.0/3.1's schema to Optuna 5's"],
};

function usage() {
  const lines = Object.entries(commands).map(([name, [, help]]) => `  ${name.padEnd(10)} ${help}`);
  return `usage: tunelab <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tunelab <command> --help' for a command's options.`;
}

async function run() {
  const [name, ...rest] = process.argv.slice(2);
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
