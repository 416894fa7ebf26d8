import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CONVERGENCES, type Convergence } from './classify.js';
import { isCounted, podKey, type SlimPod } from './pod.js';

/** Classifies one pod (./evaluate.ts in production; anything in tests). */
export type ClassifyPod = (pod: SlimPod) => Promise<Convergence | undefined>;

export interface TrackerOptions {
  /** Pods classified together during a resync before yielding to the event loop. Default 100. */
  readonly batchSize?: number;
  /** A classification threw: the pod keeps its previous class until the next event or resync. */
  readonly onError?: (pod: SlimPod, err: unknown) => void;
}

interface Entry {
  pod: SlimPod;
  placement: Convergence | undefined;
  /** Bumped per classification started: only the latest one may write `placement`. */
  attempt: number;
}

/**
 * Per-pod convergence of the running pods with claims, keyed by namespace/name, fed by pod events
 * (./pod-reflector.ts) and read at scrape time (`counts`).
 *
 * A pod's node and volumes never change once it is scheduled (both are immutable in a pod spec), so
 * an event re-classifies only a pod that is new, or recreated under the same name (a new uid). What
 * does change is the cluster around it — a claim gets bound, a replica moves, a node's labels — and
 * that arrives through other watches: `resync` re-classifies every pod, on a timer.
 */
export class ConvergenceTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Set<Promise<void>>();
  private resyncing: Promise<void> | undefined;
  private readonly batchSize: number;

  constructor(
    private readonly classify: ClassifyPod,
    private readonly options: TrackerOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 100);
  }

  /** A pod was added or modified. One that no longer counts (finished, terminating) is dropped. */
  upsert(pod: SlimPod): void {
    const key = podKey(pod);
    if (!isCounted(pod)) {
      this.entries.delete(key);
      return;
    }
    const seen = this.entries.get(key);
    if (seen && seen.pod.uid === pod.uid && seen.pod.nodeName === pod.nodeName) {
      seen.pod = pod;
      return;
    }
    const entry: Entry = { pod, placement: undefined, attempt: 0 };
    this.entries.set(key, entry);
    void this.track(this.classifyEntry(key, entry));
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** A (re)list: these are all the pods there are now. */
  replace(pods: Iterable<SlimPod>): void {
    const present = new Set<string>();
    for (const pod of pods) {
      present.add(podKey(pod));
      this.upsert(pod);
    }
    for (const key of [...this.entries.keys()]) if (!present.has(key)) this.entries.delete(key);
  }

  /**
   * Re-classifies every tracked pod, a batch at a time, yielding between batches so a large cluster
   * never holds the event loop (the webhook shares it). A resync already running is joined, not doubled.
   */
  resync(): Promise<void> {
    this.resyncing ??= this.resyncAll().finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  /** Pods per class, for the gauge. Pods with nothing located are in no class. */
  counts(): Record<Convergence, number> {
    const out = Object.fromEntries(CONVERGENCES.map((c) => [c, 0])) as Record<Convergence, number>;
    for (const entry of this.entries.values()) if (entry.placement) out[entry.placement]++;
    return out;
  }

  /** The class of one pod, if tracked and classified. */
  placementOf(key: string): Convergence | undefined {
    return this.entries.get(key)?.placement;
  }

  /** Pods tracked (running, with claims), classified or not. */
  get size(): number {
    return this.entries.size;
  }

  /** Resolves once every classification started so far has finished. */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  private async resyncAll(): Promise<void> {
    const all = [...this.entries];
    for (let i = 0; i < all.length; i += this.batchSize) {
      const batch = all.slice(i, i + this.batchSize);
      await Promise.all(batch.map(([key, entry]) => this.track(this.classifyEntry(key, entry))));
      await yieldToEventLoop();
    }
  }

  private async classifyEntry(key: string, entry: Entry): Promise<void> {
    const attempt = ++entry.attempt;
    try {
      const placement = await this.classify(entry.pod);
      // A pod deleted, replaced or re-classified meanwhile: this answer is stale.
      if (this.entries.get(key) === entry && entry.attempt === attempt) entry.placement = placement;
    } catch (err) {
      this.options.onError?.(entry.pod, err);
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
    return work;
  }
}
