import { MemoryStore, type SlimObject } from '../../../src/cluster/store.js';
import type { SlimNode } from '../../../src/cluster/types.js';
import {
  csiDriverName,
  driverNodeNames,
  storageNodesFromCluster,
  storageStatusOf,
  topologyOf,
} from '../../../src/placement/index.js';

const PX = 'pxd.portworx.com';
const LINSTOR = 'linstor.csi.linbit.com';

function slimNode(name: string, over: Partial<SlimNode> = {}): SlimNode {
  return { name, labels: {}, unschedulable: false, ready: true, internalIPs: [], ...over };
}
const nodeItem = (name: string, over: Partial<SlimNode> = {}): SlimObject => ({
  kind: 'Node',
  obj: slimNode(name, over),
});
const csiNode = (name: string, drivers: string[]): SlimObject => ({
  kind: 'CSINode',
  obj: { name, drivers },
});

describe('driver nodes', () => {
  it('are the Nodes whose CSINode lists the driver, when any does', () => {
    const store = MemoryStore.of([
      nodeItem('a'),
      nodeItem('b'),
      nodeItem('c'),
      csiNode('a', [PX]),
      csiNode('b', [LINSTOR]),
      csiNode('gone', [PX]),
    ]);
    expect([...driverNodeNames(store, PX)]).toEqual(['a']);
    expect([...driverNodeNames(store, LINSTOR)]).toEqual(['b']);
  });

  it('are every Node when no CSINode lists the driver', () => {
    const store = MemoryStore.of([nodeItem('a'), nodeItem('b'), csiNode('a', [LINSTOR])]);
    expect([...driverNodeNames(store, 'kubernetes.io/no-provisioner')]).toEqual(['a', 'b']);
  });

  it('look up the in-tree Portworx provisioner under its CSI name', () => {
    expect(csiDriverName('kubernetes.io/portworx-volume')).toBe(PX);
    const store = MemoryStore.of([nodeItem('a'), nodeItem('b'), csiNode('b', [PX])]);
    expect([...driverNodeNames(store, 'kubernetes.io/portworx-volume')]).toEqual(['b']);
  });

  it('for several drivers, are the Nodes running all of them', () => {
    const store = MemoryStore.of([
      nodeItem('a'),
      nodeItem('b'),
      nodeItem('c'),
      csiNode('a', [PX, LINSTOR]),
      csiNode('b', [PX]),
      csiNode('c', [LINSTOR]),
    ]);
    expect(storageNodesFromCluster(store, [PX, LINSTOR]).map((n) => n.id)).toEqual(['a']);
    expect(storageNodesFromCluster(store, PX).map((n) => n.id)).toEqual(['a', 'b']);
    expect(storageNodesFromCluster(store, [])).toEqual([]);
  });
});

describe('storage status', () => {
  it.each<[string, Partial<SlimNode>, string]>([
    ['ready', {}, 'online'],
    ['NotReady', { ready: false }, 'offline'],
    ['cordoned', { unschedulable: true }, 'offline'],
    ['label storage-down', { labels: { 'kube-converge.io/storage-status': 'storage-down' } }, 'storage-down'],
    [
      'label offline on a ready node',
      { labels: { 'kube-converge.io/storage-status': 'offline' } },
      'offline',
    ],
    [
      'label online overrides NotReady',
      { ready: false, labels: { 'kube-converge.io/storage-status': ' Online ' } },
      'online',
    ],
    [
      'an unknown label value is ignored',
      { ready: false, labels: { 'kube-converge.io/storage-status': 'degraded' } },
      'offline',
    ],
  ])('%s -> %s', (_name, over, status) => {
    expect(storageStatusOf(slimNode('n', over))).toBe(status);
  });
});

describe('topology', () => {
  it.each<[Record<string, string>, ReturnType<typeof topologyOf>]>([
    [
      {
        'topology.kubernetes.io/region': 'e1',
        'topology.kubernetes.io/zone': 'a',
        'kube-converge.io/rack': 'r1',
        'px/rack': 'p1',
      },
      { region: 'e1', zone: 'a', rack: 'r1' },
    ],
    [
      { 'px/rack': 'p1', 'topology.rook.io/rack': 'k1' },
      { region: undefined, zone: undefined, rack: 'p1' },
    ],
    [
      { 'kube-converge.io/rack': '', 'topology.rook.io/rack': 'k1' },
      { region: undefined, zone: undefined, rack: 'k1' },
    ],
    [{ 'topology.kubernetes.io/zone': '' }, { region: undefined, zone: undefined, rack: undefined }],
  ])('%j', (labels, topology) => {
    expect(topologyOf(slimNode('n', { labels }))).toEqual(topology);
  });

  it('builds storage nodes whose id is the node name', () => {
    const store = MemoryStore.of([
      nodeItem('a', { labels: { 'topology.kubernetes.io/zone': 'z', 'px/rack': 'r' } }),
      nodeItem('b', { unschedulable: true }),
    ]);
    expect(storageNodesFromCluster(store, PX)).toEqual([
      { id: 'a', nodeName: 'a', status: 'online', zone: 'z', rack: 'r' },
      { id: 'b', nodeName: 'b', status: 'offline' },
    ]);
  });
});
