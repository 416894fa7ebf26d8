/**
 * The jobs a load-generator process runs (bench/load/worker.ts), and what each returns. Request
 * bodies travel as files: an extender request with 5,000 full Nodes is ~35 MB, too much for IPC.
 */
import type { LatencyStats } from '../lib/stats.js';

/** Closed loop at maximum throughput: autocannon, `connections` keep-alive sockets. */
export interface ThroughputJob {
  readonly kind: 'throughput';
  readonly url: string;
  /** A JSON array of request bodies, sent in turn on every connection. */
  readonly bodiesFile: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export interface ThroughputResult {
  /** 2xx answers of the warm-up (not counted in rps, but in the server's CPU time). */
  readonly warmupOk: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly seconds: number;
  /** 2xx responses per second over the measured window. */
  readonly rps: number;
  /** autocannon's latency percentiles (whole milliseconds) at saturation. */
  readonly latencyP50: number;
  readonly latencyP99: number;
}

/**
 * Open loop at a fixed rate: requests leave on a schedule whatever the answers do, over a pool of
 * keep-alive TLS connections, and each latency runs from the moment its request left.
 */
export interface RateJob {
  readonly kind: 'rate';
  readonly url: string;
  readonly bodiesFile: string;
  readonly ca: string;
  readonly rate: number;
  readonly maxSockets: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export interface RateResult {
  readonly sent: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Requests per second actually sent in the measured window. */
  readonly achievedRate: number;
  readonly latency: LatencyStats;
  /** How late the generator sent requests against their schedule (its own timer jitter), ms. */
  readonly lagP99: number;
  readonly socketsUsed: number;
}

/**
 * Sequential requests (concurrency 1, one keep-alive connection per target), as kube-scheduler calls
 * an extender: one request per pod. Targets alternate repetition by repetition.
 */
export interface SequentialJob {
  readonly kind: 'sequential';
  readonly targets: readonly { readonly name: string; readonly url: string }[];
  readonly bodyFile: string;
  readonly reps: number;
  /** Warm-up per target: at least `warmup` calls and `warmupMs`. */
  readonly warmup: number;
  readonly warmupMs: number;
  readonly minSamples: number;
  readonly maxSamples: number;
  /** Time per target per repetition; at least minSamples are taken however long they take. */
  readonly budgetMs: number;
}

export interface SequentialResult {
  /** target name -> per-repetition latencies (ms). */
  readonly latencies: Readonly<Record<string, readonly (readonly number[])[]>>;
  /** target name -> sha256 of the first answer and its size, to check the answer. */
  readonly firstAnswer: Readonly<
    Record<string, { readonly sha256: string; readonly bytes: number; readonly status: number }>
  >;
}

export type LoadJob = ThroughputJob | RateJob | SequentialJob;

export type LoadResult<J extends LoadJob> = J extends ThroughputJob
  ? ThroughputResult
  : J extends RateJob
    ? RateResult
    : SequentialResult;
