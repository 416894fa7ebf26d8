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
 */
export function nonOptimumMessage(e: Evaluation, candidates: readonly string[]): string | undefined {
  const byId = new Map(e.storageNodes.map((n) => [n.id, n.nodeName]));
  const replicaNodes = new Set<string>();
  const volumes: string[] = [];
  for (const v of e.volumes) {
    const placement = e.placements.get(v.volume);
    if (!placement || placement.replicaNodeIds.length === 0) continue;
    volumes.push(v.claim?.name ?? v.volume);
    for (const id of placement.replicaNodeIds) {
      const nodeName = (placement.storageNodes?.find((n) => n.id === id)?.nodeName ?? byId.get(id)) || id;
      replicaNodes.add(nodeName);
    }
  }
  if (replicaNodes.size === 0) return undefined;
  const offered = new Set(candidates);
  if ([...replicaNodes].some((n) => offered.has(n))) return undefined;
  return `none of the nodes holding volumes ${volumes.join(', ')} (${[...replicaNodes].sort().join(', ')}) is a candidate; the pod cannot run hyperconverged`;
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
