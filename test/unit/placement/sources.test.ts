import { MemoryStore, type SlimObject } from '../../../src/cluster/store.js';
import type {
  NodeSelectorRequirement,
  NodeSelectorTerm,
  SlimNode,
  SlimPV,
} from '../../../src/cluster/types.js';
import {
  BUILTIN_PLACEMENT_SOURCES,
  locateByNodeLabels,
  locateByPVNodeAffinity,
  nodeSelectorMatches,
  requirementMatches,
} from '../../../src/placement/index.js';
import type { ResolvedVolume } from '../../../src/resolution/types.js';

function slimNode(name: string, labels: Record<string, string> = {}): SlimNode {
  return { name, labels, unschedulable: false, ready: true, internalIPs: [] };
}
const nodeItem = (name: string, labels: Record<string, string> = {}): SlimObject => ({
  kind: 'Node',
  obj: slimNode(name, labels),
});

function claimVolume(name: string, pv?: Partial<SlimPV>): ResolvedVolume {
  const pvName = pv ? (pv.name ?? `pv-${name}`) : '';
  return {
    volume: `vol-${name}`,
    source: 'persistentVolumeClaim',
    claim: { namespace: 'ns', name },
    pvc: {
      namespace: 'ns',
      name,
      annotations: { note: name },
      storageClassName: 'sc',
      volumeName: pvName,
      phase: pv ? 'Bound' : 'Pending',
    },
    pv: pv ? { name: pvName, annotations: {}, labels: {}, storageClassName: 'sc', ...pv } : undefined,
    provisioner: 'x',
    managed: true,
    unknown: false,
    via: 'test',
  };
}

describe('node-labels source', () => {
  const store = MemoryStore.of([
    nodeItem('a', { 'pv-data': 'true' }),
    nodeItem('b', { logs: 'True' }),
    nodeItem('c', { 'pv-data': '1', logs: 'yes' }),
    nodeItem('d', { 'pv-data': 'false', logs: '0' }),
  ]);

  it.each<[string, ResolvedVolume, string[] | undefined]>([
    ['by PV name', claimVolume('data', { name: 'pv-data' }), ['a', 'c']],
    ['by PVC name, Kubernetes boolean spellings', claimVolume('logs'), ['b']],
    ['unknown volume is absent', claimVolume('other', { name: 'pv-other' }), undefined],
  ])('%s', (_name, volume, expected) => {
    const placements = locateByNodeLabels([volume], store);
    expect(placements.get(volume.volume)?.replicaNodeIds).toEqual(expected);
  });

  it('answers with the PVC annotations as labels and names itself', () => {
    const volume = claimVolume('data', { name: 'pv-data' });
    expect(locateByNodeLabels([volume], store).get(volume.volume)).toEqual({
      replicaNodeIds: ['a', 'c'],
      labels: { note: 'data' },
      source: 'node-labels',
    });
    expect(BUILTIN_PLACEMENT_SOURCES['node-labels']?.().name).toBe('node-labels');
  });
});

const req = (
  key: string,
  operator: NodeSelectorRequirement['operator'],
  values: string[] = [],
): NodeSelectorRequirement => ({
  key,
  operator,
  values,
});

describe('node selector requirements', () => {
  const labels = { disk: 'ssd', cores: '16', empty: '' };
  it.each<[NodeSelectorRequirement, boolean]>([
    [req('disk', 'In', ['ssd', 'nvme']), true],
    [req('disk', 'In', ['hdd']), false],
    [req('missing', 'In', ['']), false],
    [req('empty', 'In', ['']), true],
    [req('disk', 'NotIn', ['hdd']), true],
    [req('disk', 'NotIn', ['ssd']), false],
    [req('missing', 'NotIn', ['ssd']), true],
    [req('empty', 'Exists'), true],
    [req('missing', 'Exists'), false],
    [req('missing', 'DoesNotExist'), true],
    [req('disk', 'DoesNotExist'), false],
    [req('cores', 'Gt', ['8']), true],
    [req('cores', 'Gt', ['16']), false],
    [req('cores', 'Lt', ['+17']), true],
    [req('cores', 'Lt', ['-1']), false],
    [req('cores', 'Gt', ['8', '9']), false],
    [req('disk', 'Gt', ['1']), false],
    [req('missing', 'Lt', ['1']), false],
    [req('cores', 'Gt', ['1.5']), false],
  ])('%j -> %s', (requirement, expected) => {
    expect(requirementMatches(requirement, labels)).toBe(expected);
  });

  const term = (
    matchExpressions: NodeSelectorRequirement[],
    matchFields: NodeSelectorRequirement[] = [],
  ): NodeSelectorTerm => ({
    matchExpressions,
    matchFields,
  });
  const node = slimNode('worker-1', { disk: 'ssd' });

  it.each<[string, NodeSelectorTerm[], boolean]>([
    ['terms are ORed', [term([req('disk', 'In', ['hdd'])]), term([req('disk', 'Exists')])], true],
    ['requirements are ANDed', [term([req('disk', 'Exists'), req('disk', 'In', ['hdd'])])], false],
    ['an empty term matches nothing', [term([])], false],
    ['matchFields metadata.name', [term([], [req('metadata.name', 'In', ['worker-1'])])], true],
    ['matchFields metadata.name NotIn', [term([], [req('metadata.name', 'NotIn', ['worker-1'])])], false],
    [
      'expressions and fields together',
      [term([req('disk', 'In', ['ssd'])], [req('metadata.name', 'In', ['worker-2'])])],
      false,
    ],
  ])('%s', (_name, terms, expected) => {
    expect(nodeSelectorMatches(terms, node)).toBe(expected);
  });
});

describe('pv-node-affinity source', () => {
  const store = MemoryStore.of([
    nodeItem('a', { host: 'a' }),
    nodeItem('b', { host: 'b' }),
    nodeItem('c', { host: 'c' }),
  ]);
  const onHosts = (...hosts: string[]): NodeSelectorTerm[] => [
    { matchExpressions: [req('host', 'In', hosts)], matchFields: [] },
  ];

  it.each<[string, ResolvedVolume, string[] | undefined]>([
    [
      'the nodes that satisfy the affinity',
      claimVolume('local', { nodeAffinity: onHosts('a', 'c') }),
      ['a', 'c'],
    ],
    [
      'a PV whose node is gone is known, with no replica',
      claimVolume('orphan', { nodeAffinity: onHosts('z') }),
      [],
    ],
    ['a PV without affinity is unknown', claimVolume('net', {}), undefined],
    ['an empty term list is unknown', claimVolume('none', { nodeAffinity: [] }), undefined],
    ['an unbound claim is unknown', claimVolume('pending'), undefined],
  ])('%s', (_name, volume, expected) => {
    expect(locateByPVNodeAffinity([volume], store).get(volume.volume)?.replicaNodeIds).toEqual(expected);
  });

  it('names itself', () => {
    const volume = claimVolume('local', { nodeAffinity: onHosts('b') });
    expect(locateByPVNodeAffinity([volume], store).get(volume.volume)?.source).toBe('pv-node-affinity');
    expect(BUILTIN_PLACEMENT_SOURCES['pv-node-affinity']?.().name).toBe('pv-node-affinity');
  });
});
