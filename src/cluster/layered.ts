import type { MemoryStore } from './store.js';
import type { SlimPV, SlimPVC, SlimStorageClass } from './types.js';
import type { CacheSizes, ClusterReader, ClusterView } from './view.js';

/**
 * Objects given alongside a command's input (`mutate -f bundle.yaml` with its own PVCs) over the
 * `--state` view: the top layer wins, by name. A default class in the top layer wins too.
 */
export function layered(top: MemoryStore, base: ClusterReader): ClusterReader {
  function* merge<T extends { name: string }>(a: Iterable<T>, b: Iterable<T>): Iterable<T> {
    const seen = new Set<string>();
    for (const x of a) {
      seen.add(x.name);
      yield x;
    }
    for (const x of b) if (!seen.has(x.name)) yield x;
  }
  return {
    node: (n) => top.node(n) ?? base.node(n),
    nodes: () => merge(top.nodes(), base.nodes()),
    namespace: (n) => top.namespace(n) ?? base.namespace(n),
    pvc: (ns, n) => top.pvc(ns, n) ?? base.pvc(ns, n),
    pv: (n) => top.pv(n) ?? base.pv(n),
    storageClass: (n) => top.storageClass(n) ?? base.storageClass(n),
    defaultStorageClass: () => top.defaultStorageClass() ?? base.defaultStorageClass(),
    csiNodes: () => merge(top.csiNodes(), base.csiNodes()),
  };
}

/**
 * A fixed reader as a ClusterView, for the offline commands: there is no API, so a "live read" is
 * just another look at the same data.
 */
export function readerView(reader: ClusterReader, sizes: () => CacheSizes): ClusterView {
  return {
    ...bind(reader),
    synced: true,
    fetchPVC: (ns, n): Promise<SlimPVC | undefined> => Promise.resolve(reader.pvc(ns, n)),
    fetchPV: (n): Promise<SlimPV | undefined> => Promise.resolve(reader.pv(n)),
    fetchStorageClass: (n): Promise<SlimStorageClass | undefined> => Promise.resolve(reader.storageClass(n)),
    sizes,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

function bind(r: ClusterReader): ClusterReader {
  return {
    node: (n) => r.node(n),
    nodes: () => r.nodes(),
    namespace: (n) => r.namespace(n),
    pvc: (ns, n) => r.pvc(ns, n),
    pv: (n) => r.pv(n),
    storageClass: (n) => r.storageClass(n),
    defaultStorageClass: () => r.defaultStorageClass(),
    csiNodes: () => r.csiNodes(),
  };
}
