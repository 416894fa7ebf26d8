import { describePodStorage } from '../scoring/index.js';
import type { Evaluation } from './evaluate.js';

/** A Warning event about a pod, as kube-converge records it (reason NonOptimumScheduling). */
export interface PodEvent {
  readonly namespace: string;
  readonly podName: string;
  readonly podUid?: string;
  readonly reason: string;
  readonly message: string;
}

/** Where events go: the API (Events on the pod) in a cluster, the log with --state. */
export interface EventRecorder {
  record(event: PodEvent): void;
}

/**
 * Stork's NonOptimumScheduling: the pod has data on some nodes, yet none of them is among the
 * candidates the scheduler offers (cordoned, full, filtered by affinity ...). Pure: the message, or
 * undefined when at least one replica node is a candidate or nothing is known of the data.
 *
 * Only the volumes scoring tries to bring the pod close to count: a pod annotated
 * `disableHyperconvergence`, a volume that prefers remote nodes (sharedv4 service) or one marked
 * `skipSchedulerScoring` running elsewhere is what was asked for, not a warning.
 */
export function nonOptimumMessage(e: Evaluation, candidates: readonly string[]): string | undefined {
  const storage = describePodStorage({
    podAnnotations: e.annotations,
    volumes: e.volumes,
    placements: e.placements,
    storageNodes: e.storageNodes,
    candidates,
  });
  if (storage.disableHyperconvergence) return undefined;
  const wanted = storage.located.filter(
    (v) => !v.skipped && !v.antiHyperconverged && v.replicaIds.length > 0,
  );
  const replicaNodes = new Set<string>();
  for (const v of wanted) {
    // A replica on a storage node Kubernetes does not know by name is reported by its storage id.
    for (const id of v.replicaIds) replicaNodes.add(v.replicas.find((r) => r.id === id)?.nodeName ?? id);
  }
  if (replicaNodes.size === 0) return undefined;
  const offered = new Set(candidates);
  if ([...replicaNodes].some((n) => offered.has(n))) return undefined;
  const volumes = wanted.map((v) => v.name).join(', ');
  const nodes = [...replicaNodes].sort().join(', ');
  return `none of the nodes holding volumes ${volumes} (${nodes}) is a candidate; the pod cannot run hyperconverged`;
}

/**
 * Drops repeats: the scheduler asks again on every retry, and one event per pod and message per
 * window is what a user reading `kubectl describe pod` wants.
 */
export class DedupingRecorder implements EventRecorder {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly inner: EventRecorder,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}
  record(event: PodEvent): void {
    const key = `${event.namespace}/${event.podName}/${event.podUid ?? ''}/${event.message}`;
    const t = this.now();
    const last = this.seen.get(key);
    if (last !== undefined && t - last < this.windowMs) return;
    if (this.seen.size >= this.maxEntries) this.seen.clear();
    this.seen.set(key, t);
    this.inner.record(event);
  }
}
