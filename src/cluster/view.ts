import type { SlimCSINode, SlimNamespace, SlimNode, SlimPV, SlimPVC, SlimStorageClass } from './types.js';

/**
 * Synchronous, cache-only reads: what the pure core (resolution, placement, scoring) is given.
 * Implementations answer from memory and never do I/O.
 */
export interface ClusterReader {
  node(name: string): SlimNode | undefined;
  nodes(): Iterable<SlimNode>;
  namespace(name: string): SlimNamespace | undefined;
  pvc(namespace: string, name: string): SlimPVC | undefined;
  pv(name: string): SlimPV | undefined;
  storageClass(name: string): SlimStorageClass | undefined;
  /** The cluster's default StorageClass: newest of those annotated default, as Kubernetes picks it. */
  defaultStorageClass(): SlimStorageClass | undefined;
  csiNodes(): Iterable<SlimCSINode>;
}

/** Object counts per kind, for /metrics and the benchmarks. */
export interface CacheSizes {
  nodes: number;
  namespaces: number;
  pvcs: number;
  pvs: number;
  storageClasses: number;
  csiNodes: number;
}

/**
 * One cluster view, two sources (the Kubernetes API through informers, or `--state` files).
 * The `fetch*` methods answer from the cache and, on a miss, make exactly one live read
 * (read-after-create: a StatefulSet creates its PVCs a moment before its pods). What a live read
 * finds is returned, not inserted: the watch owns the cache.
 */
export interface ClusterView extends ClusterReader {
  /** Every source has listed once (the informers are synced, the state files are read). */
  readonly synced: boolean;
  fetchPVC(namespace: string, name: string): Promise<SlimPVC | undefined>;
  fetchPV(name: string): Promise<SlimPV | undefined>;
  fetchStorageClass(name: string): Promise<SlimStorageClass | undefined>;
  sizes(): CacheSizes;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Picks the default StorageClass among `classes` the way Kubernetes does: among those annotated as
 * default, the newest creationTimestamp wins (ties: the name that sorts first), since 1.26's
 * DefaultStorageClass admission.
 */
export function pickDefaultStorageClass(classes: Iterable<SlimStorageClass>): SlimStorageClass | undefined {
  let best: SlimStorageClass | undefined;
  for (const sc of classes) {
    if (!sc.isDefault) continue;
    if (
      !best ||
      sc.creationTimestamp > best.creationTimestamp ||
      (sc.creationTimestamp === best.creationTimestamp && sc.name < best.name)
    ) {
      best = sc;
    }
  }
  return best;
}
