import type { SlimNamespace, SlimNode, SlimPV, SlimPVC, SlimStorageClass } from '../../src/cluster/types.js';
import { MemoryStore, type SlimObject } from '../../src/cluster/store.js';

/** Small builders for slim cluster objects, so table tests say only what matters to each row. */
export const sc = (name: string, provisioner: string, extra: Partial<SlimStorageClass> = {}): SlimObject => ({
  kind: 'StorageClass',
  obj: {
    name,
    provisioner,
    parameters: {},
    volumeBindingMode: 'Immediate',
    isDefault: false,
    creationTimestamp: '2024-01-01T00:00:00Z',
    ...extra,
  },
});

export const pvc = (namespace: string, name: string, extra: Partial<SlimPVC> = {}): SlimObject => ({
  kind: 'PersistentVolumeClaim',
  obj: {
    namespace,
    name,
    annotations: {},
    storageClassName: null,
    volumeName: '',
    phase: 'Pending',
    ...extra,
  },
});

export const pv = (name: string, extra: Partial<SlimPV> = {}): SlimObject => ({
  kind: 'PersistentVolume',
  obj: { name, annotations: {}, labels: {}, storageClassName: '', ...extra },
});

export const node = (name: string, extra: Partial<SlimNode> = {}): SlimObject => ({
  kind: 'Node',
  obj: {
    name,
    labels: { 'kubernetes.io/hostname': name },
    unschedulable: false,
    ready: true,
    internalIPs: [],
    ...extra,
  },
});

export const ns = (name: string, labels: Record<string, string> = {}): SlimObject => ({
  kind: 'Namespace',
  obj: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } satisfies SlimNamespace,
});

export const store = (...items: SlimObject[]): MemoryStore => MemoryStore.of(items);
