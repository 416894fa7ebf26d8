import type { MemoryStore } from './store.js';
import type { SlimCSINode, SlimNamespace, SlimNode, SlimPV, SlimPVC, SlimStorageClass } from './types.js';
import type { CacheSizes, ClusterReader } from './view.js';

/**
 * The cache-only reads every view answers from its current MemoryStore. Views extend this and say
 * which store is current (the state-file view swaps in a whole new store on each reload).
 */
export abstract class StoreReader implements ClusterReader {
  protected abstract currentStore(): MemoryStore;

  node(name: string): SlimNode | undefined {
    return this.currentStore().node(name);
  }
  nodes(): Iterable<SlimNode> {
    return this.currentStore().nodes();
  }
  namespace(name: string): SlimNamespace | undefined {
    return this.currentStore().namespace(name);
  }
  pvc(namespace: string, name: string): SlimPVC | undefined {
    return this.currentStore().pvc(namespace, name);
  }
  pv(name: string): SlimPV | undefined {
    return this.currentStore().pv(name);
  }
  storageClass(name: string): SlimStorageClass | undefined {
    return this.currentStore().storageClass(name);
  }
  defaultStorageClass(): SlimStorageClass | undefined {
    return this.currentStore().defaultStorageClass();
  }
  csiNodes(): Iterable<SlimCSINode> {
    return this.currentStore().csiNodes();
  }
  sizes(): CacheSizes {
    return this.currentStore().sizes();
  }
}
