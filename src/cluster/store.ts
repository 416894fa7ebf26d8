import type { SlimCSINode, SlimNamespace, SlimNode, SlimPV, SlimPVC, SlimStorageClass } from './types.js';
import { pickDefaultStorageClass, type CacheSizes, type ClusterReader } from './view.js';

/** A slim object of any kind, tagged, as sources hand it to the store. */
export type SlimObject =
  | { kind: 'Node'; obj: SlimNode }
  | { kind: 'Namespace'; obj: SlimNamespace }
  | { kind: 'PersistentVolumeClaim'; obj: SlimPVC }
  | { kind: 'PersistentVolume'; obj: SlimPV }
  | { kind: 'StorageClass'; obj: SlimStorageClass }
  | { kind: 'CSINode'; obj: SlimCSINode };

/** The key a slim object is stored under within its kind. */
export function keyOf(item: SlimObject): string {
  return item.kind === 'PersistentVolumeClaim' ? `${item.obj.namespace}/${item.obj.name}` : item.obj.name;
}

/**
 * In-memory maps of slim objects: the cache behind both cluster views, and what unit tests build
 * directly. Reads are O(1) except the iterations; the default class is recomputed on class changes only.
 */
export class MemoryStore implements ClusterReader {
  readonly nodesByName = new Map<string, SlimNode>();
  readonly namespacesByName = new Map<string, SlimNamespace>();
  readonly pvcsByKey = new Map<string, SlimPVC>();
  readonly pvsByName = new Map<string, SlimPV>();
  readonly classesByName = new Map<string, SlimStorageClass>();
  readonly csiNodesByName = new Map<string, SlimCSINode>();
  private defaultClass: SlimStorageClass | undefined;

  static of(items: Iterable<SlimObject>): MemoryStore {
    const store = new MemoryStore();
    for (const item of items) store.upsert(item);
    return store;
  }

  upsert(item: SlimObject): void {
    this.mapFor(item.kind).set(keyOf(item), item.obj);
    if (item.kind === 'StorageClass')
      this.defaultClass = pickDefaultStorageClass(this.classesByName.values());
  }

  delete(kind: SlimObject['kind'], key: string): void {
    this.mapFor(kind).delete(key);
    if (kind === 'StorageClass') this.defaultClass = pickDefaultStorageClass(this.classesByName.values());
  }

  /** Replaces every object of one kind (a relist). */
  replaceKind(kind: SlimObject['kind'], items: Iterable<SlimObject>): void {
    this.mapFor(kind).clear();
    for (const item of items) this.mapFor(kind).set(keyOf(item), item.obj);
    if (kind === 'StorageClass') this.defaultClass = pickDefaultStorageClass(this.classesByName.values());
  }

  private mapFor(kind: SlimObject['kind']): Map<string, SlimObject['obj']> {
    switch (kind) {
      case 'Node':
        return this.nodesByName;
      case 'Namespace':
        return this.namespacesByName;
      case 'PersistentVolumeClaim':
        return this.pvcsByKey;
      case 'PersistentVolume':
        return this.pvsByName;
      case 'StorageClass':
        return this.classesByName;
      case 'CSINode':
        return this.csiNodesByName;
    }
  }

  node(name: string): SlimNode | undefined {
    return this.nodesByName.get(name);
  }
  nodes(): Iterable<SlimNode> {
    return this.nodesByName.values();
  }
  namespace(name: string): SlimNamespace | undefined {
    return this.namespacesByName.get(name);
  }
  pvc(namespace: string, name: string): SlimPVC | undefined {
    return this.pvcsByKey.get(`${namespace}/${name}`);
  }
  pv(name: string): SlimPV | undefined {
    return this.pvsByName.get(name);
  }
  storageClass(name: string): SlimStorageClass | undefined {
    return this.classesByName.get(name);
  }
  defaultStorageClass(): SlimStorageClass | undefined {
    return this.defaultClass;
  }
  csiNodes(): Iterable<SlimCSINode> {
    return this.csiNodesByName.values();
  }
  sizes(): CacheSizes {
    return {
      nodes: this.nodesByName.size,
      namespaces: this.namespacesByName.size,
      pvcs: this.pvcsByKey.size,
      pvs: this.pvsByName.size,
      storageClasses: this.classesByName.size,
      csiNodes: this.csiNodesByName.size,
    };
  }
}
