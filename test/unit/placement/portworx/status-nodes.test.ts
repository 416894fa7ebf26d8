import type { SlimNode } from '../../../../src/cluster/types.js';
import {
  matchKubernetesNodes,
  storageNodeOfPortworx,
  storageNodesOfPortworx,
  storageStatusOfSdk,
  worseStatus,
  type SdkStorageNode,
} from '../../../../src/placement/portworx/index.js';
import type { StorageStatus } from '../../../../src/placement/types.js';

const k8s = (name: string, extra: Partial<SlimNode> = {}): SlimNode => ({
  name,
  labels: {},
  unschedulable: false,
  ready: true,
  internalIPs: [],
  ...extra,
});

describe('Portworx node status -> storage status', () => {
  it.each<[string | undefined, StorageStatus]>([
    ['STATUS_OK', 'online'],
    [undefined, 'online'], // STATUS_NONE: the zero value the gateway leaves out
    ['STATUS_NONE', 'online'],
    ['STATUS_STORAGE_DOWN', 'storage-down'],
    ['STATUS_STORAGE_DEGRADED', 'storage-down'],
    ['STATUS_STORAGE_REBALANCE', 'storage-down'],
    ['STATUS_STORAGE_DRIVE_REPLACE', 'storage-down'],
    ['STATUS_INIT', 'offline'],
    ['STATUS_OFFLINE', 'offline'],
    ['STATUS_ERROR', 'offline'],
    ['STATUS_NOT_IN_QUORUM', 'offline'],
    ['STATUS_NOT_IN_QUORUM_NO_STORAGE', 'offline'],
    ['STATUS_DECOMMISSION', 'offline'],
    ['STATUS_MAINTENANCE', 'offline'],
    ['STATUS_NEEDS_REBOOT', 'offline'],
    ['STATUS_MAX', 'offline'],
    ['STATUS_FROM_THE_FUTURE', 'offline'],
  ])('%s -> %s', (status, expected) => {
    expect(storageStatusOfSdk(status)).toBe(expected);
  });

  it.each<[StorageStatus, StorageStatus, StorageStatus]>([
    ['online', 'online', 'online'],
    ['online', 'storage-down', 'storage-down'],
    ['offline', 'storage-down', 'offline'],
    ['storage-down', 'online', 'storage-down'],
  ])('worse of %s and %s is %s', (a, b, expected) => {
    expect(worseStatus(a, b)).toBe(expected);
  });
});

describe('matching Portworx nodes to Kubernetes nodes', () => {
  const cluster = [
    k8s('worker-1', { hostname: 'ip-10-0-0-1.internal', internalIPs: ['10.0.0.1'] }),
    k8s('worker-2', { labels: { 'kubernetes.io/hostname': 'host-two' }, internalIPs: ['10.0.0.2'] }),
    k8s('worker-3', { internalIPs: ['10.0.0.3', 'fd00::3'] }),
  ];

  it.each<[string, SdkStorageNode, string | undefined, string | undefined]>([
    ['by scheduler node name', { id: 'a', scheduler_node_name: 'worker-1' }, 'worker-1', 'scheduler-name'],
    [
      'by hostname address, case-insensitively',
      { id: 'b', hostname: 'IP-10-0-0-1.Internal' },
      'worker-1',
      'hostname',
    ],
    ['by the hostname label', { id: 'c', hostname: 'host-two' }, 'worker-2', 'hostname'],
    ['by hostname equal to the node name', { id: 'd', hostname: 'Worker-3' }, 'worker-3', 'hostname'],
    ['by management IP', { id: 'e', mgmt_ip: '10.0.0.3' }, 'worker-3', 'ip'],
    ['by data IP', { id: 'f', mgmt_ip: '192.168.9.9', data_ip: 'fd00::3' }, 'worker-3', 'ip'],
    [
      'scheduler name before hostname before IP',
      { id: 'g', scheduler_node_name: 'worker-2', hostname: 'worker-1', mgmt_ip: '10.0.0.3' },
      'worker-2',
      'scheduler-name',
    ],
    [
      'an unknown scheduler name falls through to the hostname',
      { id: 'h', scheduler_node_name: 'gone', hostname: 'worker-1' },
      'worker-1',
      'hostname',
    ],
    ['hostname before IP', { id: 'i', hostname: 'host-two', mgmt_ip: '10.0.0.1' }, 'worker-2', 'hostname'],
    ['no match', { id: 'j', hostname: 'elsewhere', mgmt_ip: '10.9.9.9' }, undefined, undefined],
  ])('%s', (_name, px, node, by) => {
    const match = matchKubernetesNodes([px], cluster).get(px.id!);
    expect(match?.node.name).toBe(node);
    expect(match?.by).toBe(by);
  });
});

describe('a Portworx node as a storage node', () => {
  const px = (extra: Partial<SdkStorageNode> = {}): SdkStorageNode & { id: string } => ({
    id: 'px-1',
    status: 'STATUS_OK',
    ...extra,
  });
  const match = (node: SlimNode) => ({ node, by: 'scheduler-name' as const });

  it('takes topology from Portworx node labels first, the Kubernetes node per missing level', () => {
    const node = k8s('w1', {
      labels: {
        'topology.kubernetes.io/region': 'k8s-region',
        'topology.kubernetes.io/zone': 'k8s-zone',
        'px/rack': 'k8s-rack',
      },
    });
    expect(
      storageNodeOfPortworx(px({ node_labels: { 'topology.portworx.io/zone': 'px-zone' } }), match(node)),
    ).toEqual({
      id: 'px-1',
      nodeName: 'w1',
      status: 'online',
      region: 'k8s-region',
      zone: 'px-zone',
      rack: 'k8s-rack',
    });
  });

  it.each<[string, Record<string, string>, { region?: string; zone?: string; rack?: string }]>([
    [
      'contract keys',
      {
        'topology.kubernetes.io/region': 'r',
        'topology.kubernetes.io/zone': 'z',
        'kube-converge.io/rack': 'k',
      },
      { region: 'r', zone: 'z', rack: 'k' },
    ],
    [
      'Portworx keys',
      {
        'topology.portworx.io/region': 'r',
        'topology.portworx.io/zone': 'z',
        'topology.portworx.io/rack': 'k',
      },
      { region: 'r', zone: 'z', rack: 'k' },
    ],
    ['px/rack', { 'px/rack': 'k' }, { rack: 'k' }],
    ['empty values are absent', { 'px/rack': '', 'topology.portworx.io/rack': 'k2' }, { rack: 'k2' }],
  ])('reads %s from node_labels', (_name, labels, expected) => {
    const out = storageNodeOfPortworx(px({ node_labels: labels }));
    expect({ region: out.region, zone: out.zone, rack: out.rack }).toEqual({
      region: undefined,
      zone: undefined,
      rack: undefined,
      ...expected,
    });
    expect(out.nodeName).toBeUndefined();
  });

  it.each<[string, Partial<SdkStorageNode>, Partial<SlimNode>, StorageStatus]>([
    ['Portworx OK, node Ready', {}, {}, 'online'],
    ['Portworx storage down', { status: 'STATUS_STORAGE_DOWN' }, {}, 'storage-down'],
    ['node NotReady counts as offline', {}, { ready: false }, 'offline'],
    ['cordoned counts as offline', { status: 'STATUS_STORAGE_DOWN' }, { unschedulable: true }, 'offline'],
    [
      'the storage-status label overrides both ways',
      { status: 'STATUS_OFFLINE' },
      { labels: { 'kube-converge.io/storage-status': 'online' } },
      'online',
    ],
    [
      'the label can mark storage down',
      {},
      { labels: { 'kube-converge.io/storage-status': 'storage-down' } },
      'storage-down',
    ],
  ])('%s', (_name, pxExtra, nodeExtra, expected) => {
    expect(storageNodeOfPortworx(px(pxExtra), match(k8s('w', nodeExtra))).status).toBe(expected);
  });

  it('lists every Portworx node, matched or not, and skips none', () => {
    const nodes = storageNodesOfPortworx(
      [
        { id: 'a', scheduler_node_name: 'w1' },
        { id: 'b', hostname: 'storage-only' },
      ],
      [k8s('w1')],
    );
    expect(nodes.map((n) => [n.id, n.nodeName])).toEqual([
      ['a', 'w1'],
      ['b', undefined],
    ]);
  });
});
