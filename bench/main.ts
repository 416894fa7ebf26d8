/**
 * `npm run bench [-- --quick] [--only webhook,extender] [--merge] [--reps N] [--no-write]`: runs the
 * registered benchmarks, prints a table, writes the raw results to bench/results/ (a dated file and
 * latest.json) and regenerates BENCHMARKS.md. `--quick` is a smoke run of about a minute for CI:
 * smaller fixtures, shorter measurements; it, like `--only`, writes bench/results/quick.json only —
 * unless `--merge` is given: then the benchmarks that ran replace theirs in latest.json (the others
 * are kept, each outcome naming the run it came from) and BENCHMARKS.md is regenerated from that.
 *
 * Target misses are findings, not failures: the exit code is non-zero only when a benchmark could
 * not run (a server did not start, answers were wrong, a load generator failed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCA, makeServingCert } from '../src/tls/certs.js';
import { describeMachine } from './lib/machine.js';
import type { BenchContext, BenchOutcome, Benchmark, RunInfo, TlsFiles } from './lib/model.js';
import { killAll } from './lib/proc.js';
import { renderConsole, renderMarkdown, type RunRecord } from './lib/report.js';
import { BENCHMARKS } from './suites/index.js';

interface Args {
  /** Only re-render BENCHMARKS.md from bench/results/latest.json and bench/findings.md. */
  readonly render: boolean;
  readonly quick: boolean;
  readonly only?: readonly string[];
  /** Merge this run's outcomes into bench/results/latest.json instead of writing quick.json. */
  readonly merge: boolean;
  readonly reps: number;
  readonly write: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let render = false;
  let only: string[] | undefined;
  let reps = 3;
  let write = true;
  let merge = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--render') render = true;
    else if (a === '--no-write') write = false;
    else if (a === '--merge') merge = true;
    else if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--reps') reps = Number(argv[++i]);
    else
      throw new Error(
        `unknown argument ${a ?? ''}; use --quick, --only ID[,ID], --merge, --reps N (≥ 3), --no-write, --render`,
      );
  }
  if (!Number.isInteger(reps) || reps < 3) throw new Error('--reps must be an integer ≥ 3');
  if (merge && quick) throw new Error('--merge takes full runs only (a --quick run writes quick.json)');
  const known = new Set(BENCHMARKS.map((b) => b.id));
  const unknown = (only ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  return { render, quick, only, merge, reps, write };
}

async function makeTls(dir: string): Promise<TlsFiles> {
  const ca = await makeCA({ commonName: 'kube-converge bench CA', validDays: 2 });
  const serving = await makeServingCert({
    ca,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validDays: 2,
  });
  const files = {
    certFile: path.join(dir, 'tls.crt'),
    keyFile: path.join(dir, 'tls.key'),
    caFile: path.join(dir, 'ca.crt'),
  };
  writeFileSync(files.certFile, serving.cert);
  writeFileSync(files.keyFile, serving.key, { mode: 0o600 });
  writeFileSync(files.caFile, ca.cert);
  return { ...files, ca: ca.cert };
}

function versionOf(root: string, pkg: string): string {
  try {
    const file =
      pkg === '.' ? path.join(root, 'package.json') : path.join(root, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

async function runOne(b: Benchmark, ctx: BenchContext): Promise<BenchOutcome> {
  const base = { id: b.id, title: b.title, plannedTargets: b.targets };
  if (b.pending)
    return {
      ...base,
      status: 'pending',
      method: [],
      figures: [],
      targets: [],
      pendingReason: b.pending,
      error: b.pending,
      details: {},
      seconds: 0,
    };
  const started = Date.now();
  try {
    const r = await b.run(ctx);
    return { ...base, status: 'ran', ...r, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log(`${b.id} FAILED: ${message}`);
    return {
      ...base,
      status: 'failed',
      method: [],
      figures: [],
      targets: [],
      error: message,
      details: {},
      seconds: (Date.now() - started) / 1000,
    };
  }
}

/**
 * A full run writes a dated file, latest.json and BENCHMARKS.md; a partial one only quick.json. The
 * dated file is named after the run that just ended (`startedAt`), also when `record` is a merge.
 */
function writeResults(root: string, record: RunRecord, partial: boolean, startedAt: string): string[] {
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(record, null, 2) + '\n';
  if (partial) {
    writeFileSync(path.join(dir, 'quick.json'), json);
    return [path.join(dir, 'quick.json')];
  }
  const dated = path.join(dir, `${startedAt.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(dated, json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  return [dated, path.join(dir, 'latest.json'), writeMarkdown(root, record)];
}

/**
 * `--merge`: this run's outcomes replace theirs in latest.json (registry order kept), every outcome
 * keeps the run it came from, and the record lists the merges. Without a latest.json, the run alone.
 */
function mergeWithLatest(root: string, record: RunRecord): RunRecord {
  const latest = path.join(root, 'bench', 'results', 'latest.json');
  if (!existsSync(latest)) return record;
  const old = JSON.parse(readFileSync(latest, 'utf8')) as RunRecord;
  const stamp = (r: RunRecord): RunInfo => ({
    command: r.command,
    startedAt: r.startedAt,
    seconds: r.seconds,
    loadStart: r.machine.loadStart,
    loadEnd: r.machine.loadEnd,
    ...(r.machine.commit ? { commit: r.machine.commit } : {}),
  });
  const fresh = new Map<string, BenchOutcome>(
    record.benchmarks.map((b) => [b.id, { ...b, run: stamp(record) }]),
  );
  const kept = new Map<string, BenchOutcome>(
    old.benchmarks.map((b) => [b.id, { ...b, run: b.run ?? stamp(old) }]),
  );
  const order = [...BENCHMARKS.map((b) => b.id), ...kept.keys()];
  const benchmarks = [...new Set(order)]
    .map((id) => fresh.get(id) ?? kept.get(id))
    .filter((b): b is BenchOutcome => b !== undefined);
  return {
    ...old,
    merged: [...(old.merged ?? []), { ...stamp(record), benchmarks: [...fresh.keys()] }],
    benchmarks,
  };
}

/** BENCHMARKS.md from a run's record and the hand-written findings. */
function writeMarkdown(root: string, record: RunRecord): string {
  const findingsFile = path.join(root, 'bench', 'findings.md');
  const findings = existsSync(findingsFile)
    ? readFileSync(findingsFile, 'utf8')
    : '_None written yet (bench/findings.md)._';
  const file = path.join(root, 'BENCHMARKS.md');
  writeFileSync(file, renderMarkdown(record, findings));
  return file;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // dist/.bench/bench/main.js -> the repository root.
  const buildDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const root = path.resolve(buildDir, '..', '..');
  if (args.render) {
    const latest = path.join(root, 'bench', 'results', 'latest.json');
    const record = JSON.parse(readFileSync(latest, 'utf8')) as RunRecord;
    process.stdout.write(
      `wrote ${path.relative(root, writeMarkdown(root, record))} from ${path.relative(root, latest)}\n`,
    );
    return 0;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kc-bench-'));
  const cleanup = (): void => {
    killAll();
    rmSync(tmp, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  const started = new Date();
  const t0 = Date.now();
  const log = (m: string): void => {
    process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  };
  try {
    const machine = describeMachine(root);
    const ctx: BenchContext = {
      quick: args.quick,
      reps: args.reps,
      root,
      buildDir,
      tmp,
      tls: await makeTls(tmp),
      log,
    };
    const selected = BENCHMARKS.filter((b) => !args.only || args.only.includes(b.id));
    const outcomes: BenchOutcome[] = [];
    for (const b of selected) {
      if (!b.pending) log(`${b.id}: ${b.title}`);
      outcomes.push(await runOne(b, ctx));
    }
    machine.loadEnd = os.loadavg()[0] ?? 0;
    const record: RunRecord = {
      schema: 1,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      quick: args.quick,
      reps: args.reps,
      startedAt: started.toISOString(),
      seconds: (Date.now() - t0) / 1000,
      machine,
      versions: {
        'kube-converge': versionOf(root, '.'),
        autocannon: versionOf(root, 'autocannon'),
        express: versionOf(root, 'express'),
      },
      benchmarks: outcomes,
    };
    process.stdout.write(renderConsole(record) + '\n');
    const partial = !args.merge && (args.quick || args.only !== undefined);
    const written = args.merge ? mergeWithLatest(root, record) : record;
    if (args.write)
      for (const file of writeResults(root, written, partial, record.startedAt))
        log(`wrote ${path.relative(root, file)}`);
    return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
