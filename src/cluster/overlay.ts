import type { SlimPV, SlimPVC, SlimStorageClass } from './types.js';
import type { ClusterReader, ClusterView } from './view.js';

/** What to warm before a pure resolution: the claims a pod names and the classes it names directly. */
export interface WarmRequest {
  readonly namespace: string;
  readonly claims: readonly string[];
  readonly classes: readonly string[];
}

export interface WarmResult {
  /** The cache, plus what the live reads found for this request only. */
  readonly reader: ClusterReader;
  /** How many live API reads the cache misses cost. */
  readonly liveReads: number;
}

/**
 * The edge's half of contract §2's "exactly one live read": every PVC, PV and StorageClass a request
 * needs that the cache lacks is read once from the API. Pods may arrive before their PVC reaches the
 * cache (a StatefulSet creates PVCs a moment before its pods). What was found serves this request
 * only; the watch delivers it to the cache.
 */
export async function warm(view: ClusterView, req: WarmRequest): Promise<WarmResult> {
  const pvcs = new Map<string, SlimPVC>();
  const pvs = new Map<string, SlimPV>();
  const classes = new Map<string, SlimStorageClass>();
  let liveReads = 0;

  const needClass = async (name: string | null): Promise<void> => {
    if (!name || classes.has(name) || view.storageClass(name)) return;
    liveReads++;
    const sc = await view.fetchStorageClass(name);
    if (sc) classes.set(name, sc);
  };

  await Promise.all(
    req.claims.map(async (claim) => {
      let pvc = view.pvc(req.namespace, claim);
      if (!pvc) {
        liveReads++;
        pvc = await view.fetchPVC(req.namespace, claim);
        if (!pvc) return;
        pvcs.set(`${req.namespace}/${claim}`, pvc);
      }
      if (pvc.volumeName && !view.pv(pvc.volumeName)) {
        liveReads++;
        const pv = await view.fetchPV(pvc.volumeName);
        if (pv) pvs.set(pv.name, pv);
      }
      await needClass(pvc.storageClassName);
    }),
  );
  for (const name of req.classes) await needClass(name);

  if (liveReads === 0) return { reader: view, liveReads };
  const reader: ClusterReader = {
    node: (n) => view.node(n),
    nodes: () => view.nodes(),
    namespace: (n) => view.namespace(n),
    pvc: (ns, n) => view.pvc(ns, n) ?? pvcs.get(`${ns}/${n}`),
    pv: (n) => view.pv(n) ?? pvs.get(n),
    storageClass: (n) => view.storageClass(n) ?? classes.get(n),
    defaultStorageClass: () => view.defaultStorageClass(),
    csiNodes: () => view.csiNodes(),
  };
  return { reader, liveReads };
}
