/**
 * What a benchmark reports, and the registry's contract. Every figure carries its baseline measured
 * in the same run and the per-repetition ratio, so a reader compares like with like on a noisy box.
 */
import type { Summary } from './stats.js';

export interface Figure {
  /** Stable id, e.g. `webhook.throughput.pvc100k`; results of two runs are joined on it. */
  readonly id: string;
  /** The table the figure belongs to, e.g. "Webhook throughput (50 connections)". */
  readonly group: string;
  /** The row, e.g. "100k PVCs". */
  readonly label: string;
  /** What is measured, e.g. "req/s" or "p99 ms". */
  readonly metric: string;
  readonly better: 'higher' | 'lower';
  readonly value: Summary;
  readonly baseline?: { readonly label: string; readonly value: Summary };
  /** value / baseline, paired repetition by repetition. */
  readonly ratio?: Summary;
  /** Samples per repetition behind a latency percentile. */
  readonly samples?: number;
}

export interface TargetCheck {
  /** The target as the issue states it. */
  readonly target: string;
  /** What it was judged on, e.g. "100k PVCs, 500 req/s, p99". */
  readonly on: string;
  /** The measured value as text, with its spread. */
  readonly measured: string;
  readonly met: boolean;
  /** The run did not measure it (a quick run): reported as such, never as met. */
  readonly notMeasured?: boolean;
  readonly figure: string;
}

export interface BenchOutcome {
  readonly id: string;
  readonly title: string;
  readonly status: 'ran' | 'pending' | 'failed';
  /** How it was measured: one line each, for BENCHMARKS.md. */
  readonly method: readonly string[];
  readonly figures: readonly Figure[];
  readonly targets: readonly TargetCheck[];
  /** The targets for a benchmark that did not run (pending). */
  readonly plannedTargets?: readonly string[];
  readonly error?: string;
  readonly pendingReason?: string;
  /** Raw material: per-repetition measurements, fixture sizes, checks. */
  readonly details: Record<string, unknown>;
  readonly seconds: number;
  /** The run it was measured in, when merged into another run's record (`--merge`). */
  readonly run?: RunInfo;
}

/** Which run measured an outcome: set on every outcome of a merged record. */
export interface RunInfo {
  readonly command: string;
  readonly startedAt: string;
  readonly seconds: number;
  readonly loadStart: number;
  readonly loadEnd?: number;
  /** The tree's commit (uncommitted changes in it are not recorded). */
  readonly commit?: string;
}

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly ca: string;
}

export interface BenchContext {
  readonly quick: boolean;
  /** Repetitions of every measurement (≥ 3). */
  readonly reps: number;
  /** The repository root. */
  readonly root: string;
  /** Where the benchmarks and the server under test were compiled (dist/.bench). */
  readonly buildDir: string;
  /** A scratch folder for this run, removed at the end. */
  readonly tmp: string;
  readonly tls: TlsFiles;
  log(message: string): void;
}

export interface BenchRun {
  readonly method: readonly string[];
  readonly figures: readonly Figure[];
  readonly targets: readonly TargetCheck[];
  readonly details: Record<string, unknown>;
}

/** One benchmark of the registry (bench/suites/index.ts). */
export interface Benchmark {
  readonly id: string;
  readonly title: string;
  /** The targets for this benchmark, as text. */
  readonly targets: readonly string[];
  /** Set while the benchmark cannot run yet: why. */
  readonly pending?: string;
  run(ctx: BenchContext): Promise<BenchRun>;
}
