#!/usr/bin/env node
import { main } from './main.js';

// The executable: the only place that hands process state (argv, env, stdio) to the program.
main(process.argv.slice(2), process.env, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kube-converge: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
