import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { LoadOptions, LoadReport } from './load-client.js';

const OUT = join(process.cwd(), '.cache', 'reliability', 'load-client.mjs');

/** load-client.ts as a plain ESM script (type-stripped by the TypeScript compiler). */
function compiled(): string {
  const source = readFileSync(
    join(process.cwd(), 'test', 'reliability', 'support', 'load-client.ts'),
    'utf8',
  );
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  mkdirSync(join(OUT, '..'), { recursive: true });
  writeFileSync(OUT, js);
  return OUT;
}

export interface LoadRun {
  readonly pid: number;
  /** Resolves when at least `n` answers have come back. */
  answered(n: number): Promise<void>;
  readonly report: Promise<LoadReport>;
}

/** Starts the load client in its own process. */
export function spawnLoad(opts: LoadOptions): LoadRun {
  const child = spawn(process.execPath, [compiled(), JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let progress = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  let buffered = '';
  let stderr = '';
  let report: LoadReport | undefined;
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => {
    buffered += c.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      const line = JSON.parse(text) as { progress?: number; report?: LoadReport };
      if (line.progress !== undefined) {
        progress = line.progress;
        for (const w of waiting.filter((x) => x.n <= progress)) w.resolve();
      }
      if (line.report) report = line.report;
    }
  });
  const done = new Promise<LoadReport>((resolve, reject) =>
    child.on('exit', (code) =>
      report ? resolve(report) : reject(new Error(`load client exited ${code} without a report: ${stderr}`)),
    ),
  );
  return {
    pid: child.pid ?? 0,
    answered: (n) =>
      n <= progress ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve })),
    report: done,
  };
}
