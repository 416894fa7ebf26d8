#!/usr/bin/env node
import { main } from './main.js';

// The executable: the only place that hands process state (argv, env, stdio) to the program.
main(process.argv.slice(2), process.env, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}).then(
  (code) => {
    process.exitCode = code;
    // A failed command must end even if something it started still holds the event loop (e.g. serve
    // failing to listen while its cache watches run): a process that cannot serve must not linger.
    if (code !== 0) setTimeout(() => process.exit(code), 100).unref();
  },
  (e: unknown) => {
    process.stderr.write(`kube-converge: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
