/**
 * What the outage test watches on kube-converge from its own process: resident memory, heap, major
 * GCs and /readyz, sampled on a timer over the whole run; and small helpers to summarise them.
 */
import { sumOf, type KubeConverge } from '../harness/kube-converge.js';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Sample {
  /** Epoch ms. */
  readonly at: number;
  /** process_resident_memory_bytes and nodejs_heap_size_used_bytes, from /metrics. */
  readonly rss: number;
  readonly heap: number;
  /** nodejs_heap_size_total_bytes (the heap's committed size) and nodejs_external_memory_bytes. */
  readonly heapTotal: number;
  readonly external: number;
  /** Major (mark-compact) collections so far: nodejs_gc_duration_seconds_count{kind="major"}. */
  readonly majorGcs: number;
  /** kube-converge's CPU seconds so far (process_cpu_seconds_total). */
  readonly cpu: number;
  /** The machine's busy and total CPU time so far, in jiffies (/proc/stat): who else is busy. */
  readonly machineBusy: number;
  readonly machineTotal: number;
  readonly ready: number;
  /** /readyz's `failing.cache`, when it names one. */
  readonly cache?: string;
}

export class Monitor {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly kc: KubeConverge) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  /** Major GCs between the first sample at or after `from` and the last one. */
  majorGcsSince(from: number): number {
    const first = this.samples.find((s) => s.at >= from);
    const last = this.samples[this.samples.length - 1];
    return first && last ? last.majorGcs - first.majorGcs : 0;
  }

  async stop(): Promise<Sample[]> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    return this.samples;
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const at = Date.now();
      const [m, r] = await Promise.all([this.kc.metrics(), this.kc.readiness()]);
      const failing = r.status === 200 ? undefined : (JSON.parse(r.body) as { failing?: { cache?: string } });
      this.samples.push({
        at,
        rss: sumOf(m, 'kube_converge_process_resident_memory_bytes'),
        heap: sumOf(m, 'kube_converge_nodejs_heap_size_used_bytes'),
        heapTotal: sumOf(m, 'kube_converge_nodejs_heap_size_total_bytes'),
        external: sumOf(m, 'kube_converge_nodejs_external_memory_bytes'),
        majorGcs: sumOf(m, 'kube_converge_nodejs_gc_duration_seconds_count', { kind: 'major' }),
        cpu: sumOf(m, 'kube_converge_process_cpu_seconds_total'),
        ...machineCpu(),
        ready: r.status,
        ...(failing?.failing?.cache ? { cache: failing.failing.cache } : {}),
      });
    } catch {
      // a sample lost to a busy moment is no finding; the test checks it has enough of them
    } finally {
      this.busy = false;
    }
  }
}

/** Cumulative CPU time of the whole machine (the first line of /proc/stat), in jiffies. */
function machineCpu(): { machineBusy: number; machineTotal: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle and iowait
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { machineBusy: total - idle, machineTotal: total };
}

/** The p-th percentile (0–100, nearest rank) of some numbers; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;

/** How a TCP connect to 127.0.0.1:port ends: 'connected' or the error code (ECONNREFUSED ...). */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(2_000, () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/**
 * The API server's address taken over by a listener that accepts connections and never answers: what
 * a hung API server, or a load balancer in front of none, looks like to a client. `stopListening`
 * frees the port (the API server can have it back) but keeps the connections it took hanging, as a
 * stuck connection does; `release` resets them.
 */
export class BlackHole {
  private readonly sockets = new Set<Socket>();
  accepted = 0;

  private constructor(private readonly server: Server) {
    server.on('connection', (s) => {
      this.accepted++;
      this.sockets.add(s);
      // Read and drop what arrives: a socket left paused would never see its client's FIN, and
      // `held` would count connections the client has long closed.
      s.resume();
      s.on('error', () => undefined);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async open(port: number): Promise<BlackHole> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return new BlackHole(server);
  }

  /** Connections still held (their clients have not given up on them). */
  get held(): number {
    return this.sockets.size;
  }

  stopListening(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      // close() waits for the held connections: resolve once the listener itself is gone.
      this.server.close();
      setImmediate(resolve);
    });
  }

  release(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.server.close();
  }
}
