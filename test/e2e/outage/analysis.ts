/**
 * The outage test's figures from what it recorded: latency per phase of the load, memory per phase.
 *
 * Memory is read with the garbage collector in mind. Under steady load the JS heap of kube-converge
 * saws: it grows by a few MiB/s of garbage until a major (mark-compact) collection takes it back to
 * its live size, ~45 MiB here; how high it climbs first is V8's choice (measured: from 70 to 160 MiB
 * of heap, so RSS between 150 and 260 MiB, the first cycle under load the longest), and RSS follows
 * the committed heap, releasing pages seconds after a collection. A window's RSS therefore says when
 * the last collection was, not whether anything is kept. A leak shows in one of two figures that the
 * sawing does not move: the heap right after a major collection (the live JS objects), and RSS minus
 * the committed heap (everything outside the JS heap: sockets, TLS, buffers, code; measured flat
 * within a few MiB over a whole run).
 */
import { availableParallelism } from 'node:os';
import type { Outcome } from './load-client.js';
import { percentile, type Sample } from './monitor.js';

export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function latency(outcomes: readonly Outcome[]): Latency {
  const ms = outcomes.map((o) => o.ms);
  return {
    n: ms.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.length ? Math.max(...ms) : NaN,
  };
}

export interface MemoryWindow {
  readonly samples: number;
  /** Major collections seen within the window. */
  readonly majorGcs: number;
  readonly rssMin: number;
  readonly rssMedian: number;
  readonly rssMax: number;
  /**
   * The live heap: the lowest heapUsed among samples that follow a major collection (the nearer the
   * collection, the less new garbage on top), if the window saw one.
   */
  readonly heapAfterGc?: number;
  /**
   * RSS minus the committed JS heap: memory outside the heap. Its highest value seen in two samples
   * in a row: V8 stops counting heap pages it gives back a moment before the kernel has them, and a
   * single sample then reads ~35 MiB high (seen once in ten runs).
   */
  readonly nonHeapMedian: number;
  readonly nonHeapMax: number;
  /** kube-converge's CPU use, and the whole machine's, in cores (2 = both cores busy). */
  readonly cpuCores: number;
  readonly machineCores: number;
}

export function memoryIn(samples: readonly Sample[], from: number, to: number): MemoryWindow {
  const inside = samples.filter((s) => s.at >= from && s.at < to);
  const rss = inside.map((s) => s.rss);
  const nonHeap = inside.map((s) => s.rss - s.heapTotal);
  let heapAfterGc: number | undefined;
  for (let i = 1; i < samples.length; i++) {
    const s = samples[i] as Sample;
    if (s.at >= from && s.at < to && s.majorGcs > (samples[i - 1] as Sample).majorGcs)
      heapAfterGc = Math.min(heapAfterGc ?? Infinity, s.heap);
  }
  const first = inside[0];
  const last = inside[inside.length - 1];
  const seconds = first && last ? (last.at - first.at) / 1000 : 0;
  const cores = availableParallelism();
  return {
    samples: inside.length,
    majorGcs: first && last ? last.majorGcs - first.majorGcs : 0,
    rssMin: rss.length ? Math.min(...rss) : NaN,
    rssMedian: percentile(rss, 50),
    rssMax: rss.length ? Math.max(...rss) : NaN,
    ...(heapAfterGc !== undefined ? { heapAfterGc } : {}),
    nonHeapMedian: percentile(nonHeap, 50),
    nonHeapMax: sustainedMax(nonHeap),
    cpuCores: first && last && seconds > 0 ? round2((last.cpu - first.cpu) / seconds) : NaN,
    machineCores:
      first && last && last.machineTotal > first.machineTotal
        ? round2(((last.machineBusy - first.machineBusy) / (last.machineTotal - first.machineTotal)) * cores)
        : NaN,
  };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The highest value held by two consecutive samples (a lone sample alone is not believed). */
function sustainedMax(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  let max = -Infinity;
  for (let i = 1; i < values.length; i++)
    max = Math.max(max, Math.min(values[i - 1] as number, values[i] as number));
  return max;
}
