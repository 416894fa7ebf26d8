/**
 * Starts ./load-client.ts in a process of its own (transpiled into the run dir, started through the
 * harness's registry so the safety net stops it if jest dies), and reads its report when it ends.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../harness/lifecycle.js';
import type { ManagedProcess, ProcessRegistry } from '../harness/processes.js';
import type { OutageLoadOptions, OutageLoadReport } from './load-client.js';

export interface OutageLoad {
  readonly process: ManagedProcess;
  /** SIGTERM: no new request; those in flight finish; then the report. */
  finish(): Promise<OutageLoadReport>;
}

export function startOutageLoad(
  registry: ProcessRegistry,
  options: Omit<OutageLoadOptions, 'reportFile'>,
): OutageLoad {
  const source = readFileSync(join(REPO_ROOT, 'test/e2e/outage/load-client.ts'), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  // The script and its options live in the run dir: the registry only ever kills a pid whose command
  // line names it.
  const script = join(registry.runDir, 'outage-load.mjs');
  const optionsFile = join(registry.runDir, 'outage-load.json');
  const reportFile = join(registry.runDir, 'outage-load-report.json');
  writeFileSync(script, js);
  writeFileSync(optionsFile, JSON.stringify({ ...options, reportFile }));
  const proc = registry.spawn('load-client', process.execPath, [script, optionsFile]);
  return {
    process: proc,
    async finish() {
      await proc.stop(options.timeoutMs + 5_000);
      const exit = await proc.exited;
      if (exit.code !== 0)
        throw new Error(`the load client exited ${exit.code ?? exit.signal} (${proc.logFile})`);
      return JSON.parse(readFileSync(reportFile, 'utf8')) as OutageLoadReport;
    },
  };
}
