import type { CacheSizes, ClusterView } from '../../src/cluster/view.js';
import type { SlimPV, SlimPVC, SlimStorageClass } from '../../src/cluster/types.js';
import { MemoryStore } from '../../src/cluster/store.js';

/**
 * A ClusterView over fixed in-memory objects, for tests of the HTTP layer. `behindCache` holds
 * objects the cache has not seen yet (a PVC created a moment ago): only a live read finds them, and
 * each live read is counted. The real views are tested against their real sources elsewhere.
 */
export class StaticView extends MemoryStore implements ClusterView {
  synced = true;
  liveReads = 0;
  constructor(readonly behindCache: MemoryStore = new MemoryStore()) {
    super();
  }
  static over(store: MemoryStore, behindCache?: MemoryStore): StaticView {
    const view = new StaticView(behindCache);
    for (const [, o] of store.nodesByName) view.upsert({ kind: 'Node', obj: o });
    for (const [, o] of store.namespacesByName) view.upsert({ kind: 'Namespace', obj: o });
    for (const [, o] of store.pvcsByKey) view.upsert({ kind: 'PersistentVolumeClaim', obj: o });
    for (const [, o] of store.pvsByName) view.upsert({ kind: 'PersistentVolume', obj: o });
    for (const [, o] of store.classesByName) view.upsert({ kind: 'StorageClass', obj: o });
    for (const [, o] of store.csiNodesByName) view.upsert({ kind: 'CSINode', obj: o });
    return view;
  }
  fetchPVC(namespace: string, name: string): Promise<SlimPVC | undefined> {
    this.liveReads++;
    return Promise.resolve(this.pvc(namespace, name) ?? this.behindCache.pvc(namespace, name));
  }
  fetchPV(name: string): Promise<SlimPV | undefined> {
    this.liveReads++;
    return Promise.resolve(this.pv(name) ?? this.behindCache.pv(name));
  }
  fetchStorageClass(name: string): Promise<SlimStorageClass | undefined> {
    this.liveReads++;
    return Promise.resolve(this.storageClass(name) ?? this.behindCache.storageClass(name));
  }
  override sizes(): CacheSizes {
    return super.sizes();
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
