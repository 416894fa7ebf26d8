/**
 * scoring.md rules beyond Stork's scenarios, on plain objects: locality levels, reasons, the linear
 * scale, anti-hyperconvergence triggers, filter order and unresolvability, sources with their own
 * storage-node ids.
 */
import type { SlimStorageClass } from '../../../src/cluster/types.js';
import type { StorageNode, VolumePlacement } from '../../../src/placement/index.js';
import type { ResolvedVolume } from '../../../src/resolution/types.js';
import {
  FILTER_REASON,
  filter,
  localityKeys,
  prioritize,
  scorePod,
  toExtenderScore,
  type ScoringInput,
} from '../../../src/scoring/index.js';
import { SHAREDV4_SVC, runScenario, scoresOf, type NodeSpec } from './cluster-fixture.js';

const DRIVER = 'pxd.portworx.com';

function storageClass(
  parameters: Record<string, string> = {},
  mode: SlimStorageClass['volumeBindingMode'] = 'Immediate',
): SlimStorageClass {
  return {
    name: 'sc',
    provisioner: DRIVER,
    parameters,
    volumeBindingMode: mode,
    isDefault: false,
    creationTimestamp: '',
  };
}

interface VolumeOptions {
  bound?: boolean;
  params?: Record<string, string>;
  annotations?: Record<string, string>;
  mode?: SlimStorageClass['volumeBindingMode'];
  managed?: boolean;
}

function volume(name: string, opts: VolumeOptions = {}): ResolvedVolume {
  const bound = opts.bound ?? true;
  return {
    volume: name,
    source: 'persistentVolumeClaim',
    claim: { namespace: 'ns', name },
    pvc: {
      namespace: 'ns',
      name,
      annotations: opts.annotations ?? {},
      storageClassName: 'sc',
      volumeName: bound ? `pv-${name}` : '',
      phase: bound ? 'Bound' : 'Pending',
    },
    storageClass: storageClass(opts.params, opts.mode),
    provisioner: DRIVER,
    managed: opts.managed ?? true,
    unknown: false,
    via: 'test',
  };
}

const node = (
  id: string,
  topology: Partial<StorageNode> = {},
  status: StorageNode['status'] = 'online',
): StorageNode => ({
  id,
  nodeName: id,
  status,
  ...topology,
});

function input(
  volumes: ResolvedVolume[],
  replicas: Record<string, string[]>,
  storageNodes: StorageNode[],
  extra: Partial<ScoringInput> = {},
): ScoringInput {
  const placements = new Map<string, VolumePlacement>(
    Object.entries(replicas).map(([key, ids]) => [key, { replicaNodeIds: ids, labels: {}, source: 'test' }]),
  );
  return {
    volumes,
    placements,
    storageNodes,
    candidates: storageNodes.map((n) => n.nodeName ?? n.id),
    ...extra,
  };
}

describe('locality keys', () => {
  it.each<[Partial<StorageNode>, ReturnType<typeof localityKeys>]>([
    [
      { region: 'e1', zone: 'a', rack: 'r1' },
      { region: 'e1', zone: 'e1/a', rack: 'e1/a/r1' },
    ],
    [
      { zone: 'a', rack: 'r1' },
      { region: undefined, zone: '/a', rack: '/a/r1' },
    ],
    [
      { region: 'e1', rack: 'r1' },
      { region: 'e1', zone: undefined, rack: 'e1//r1' },
    ],
    [{ rack: 'r1' }, { region: undefined, zone: undefined, rack: '//r1' }],
    [
      { region: 'e1', zone: '' },
      { region: 'e1', zone: undefined, rack: undefined },
    ],
  ])('%j -> %j', (topology, keys) => {
    expect(localityKeys(node('x', topology))).toEqual(keys);
  });
});

describe('prioritize rules', () => {
  it.each<[string, Partial<StorageNode>, Partial<StorageNode>, number]>([
    [
      'same rack name in another zone is only zone-less: no match',
      { zone: 'a', rack: 'r1' },
      { zone: 'b', rack: 'r1' },
      5,
    ],
    ['no rack label: compared at zone', { zone: 'a' }, { zone: 'a', rack: 'r1' }, 25],
    ['replica has no rack label: zone still matches', { zone: 'a', rack: 'r1' }, { zone: 'a' }, 25],
    ['no labels at all: only the replica itself counts', {}, {}, 5],
    ['region only', { region: 'e1', zone: 'b' }, { region: 'e1', zone: 'a' }, 10],
    ['a rack without zone or region matches by name', { rack: 'r1' }, { rack: 'r1' }, 50],
  ])('%s', (_name, candidateTopology, replicaTopology, expected) => {
    const nodes = [node('c', candidateTopology), node('r', replicaTopology)];
    const [score] = prioritize(input([volume('v')], { v: ['r'] }, nodes, { candidates: ['c'] }), {
      scale: 'raw',
    });
    expect(score?.raw).toBe(expected);
  });

  it('explains each node in a sentence', () => {
    const nodes = [
      node('a', { rack: 'r1' }),
      node('b', { rack: 'r1' }, 'storage-down'),
      node('c', { rack: 'r2' }),
      node('d', {}, 'offline'),
    ];
    const scores = prioritize(
      input([volume('pvc-a'), volume('pvc-b')], { 'pvc-a': ['a'], 'pvc-b': ['b'] }, nodes, {
        candidates: ['a', 'b', 'c', 'd', 'e'],
      }),
      {
        scale: 'raw',
      },
    );
    expect(scores.map((s) => [s.node, s.raw, s.reason])).toEqual([
      ['a', 150, 'replica of pvc-a (100) + rack of pvc-b (50)'],
      ['b', 50, 'rack of pvc-a, storage down (25) + replica of pvc-b, storage down (25)'],
      ['c', 5, 'no locality (5)'],
      ['d', 0, 'storage offline (0)'],
      ['e', 0, 'storage driver not running on this node (0)'],
    ]);
  });

  it('counts only managed, bound, unskipped volumes with a placement', () => {
    const nodes = [node('a'), node('b')];
    const volumes = [
      volume('scored'),
      volume('skipped', { annotations: { 'kube-converge.io/skipSchedulerScoring': 'True' } }),
      volume('unmanaged', { managed: false }),
      volume('wffc', { bound: false, mode: 'WaitForFirstConsumer' }),
      volume('unplaced'),
    ];
    const replicas = { scored: ['a'], skipped: ['b'], unmanaged: ['b'], wffc: ['b'] };
    const scores = prioritize(input(volumes, replicas, nodes), { scale: 'linear' });
    // Best possible = 100 (one scored volume): a holds it -> 10, b has nothing -> 1.
    expect(scores.map((s) => [s.raw, s.score])).toEqual([
      [100, 10],
      [5, 1],
    ]);
  });

  it('disableHyperconvergence (our prefix): every driver node 5, non-driver 0', () => {
    const nodes = [node('a'), node('b')];
    const scores = prioritize(
      input([volume('v')], { v: ['a'] }, nodes, {
        candidates: ['a', 'b', 'x'],
        podAnnotations: { 'kube-converge.io/disableHyperconvergence': '1' },
      }),
      { scale: 'raw' },
    );
    expect(scores.map((s) => s.raw)).toEqual([5, 5, 0]);
  });

  it('a pod with no managed volume scores every node equally, driver or not', () => {
    const scores = prioritize(
      input([volume('v', { managed: false })], {}, [node('a')], { candidates: ['a', 'x'] }),
      {
        scale: 'linear',
      },
    );
    expect(scores.map((s) => [s.raw, s.score])).toEqual([
      [5, 1],
      [5, 1],
    ]);
  });
});

describe('anti-hyperconvergence triggers', () => {
  const nodes = [node('a'), node('b')];
  it.each<[string, VolumeOptions, number[]]>([
    ['sharedv4 service class', { params: { ...SHAREDV4_SVC } }, [5, 100]],
    ['sharedv4 without a service type stays hyperconverged', { params: { sharedv4: 'true' } }, [100, 5]],
    [
      'class parameter preferRemoteNode',
      { params: { 'kube-converge.io/preferRemoteNode': 'true' } },
      [5, 100],
    ],
    ['bare class parameter preferRemoteNode', { params: { preferRemoteNode: 'true' } }, [5, 100]],
    [
      'PVC annotation preferRemoteNode',
      { annotations: { 'kube-converge.io/preferRemoteNode': 'true' } },
      [5, 100],
    ],
    [
      'class preferRemoteNode false wins over the PVC annotation',
      { params: { preferRemoteNode: 'false' }, annotations: { 'kube-converge.io/preferRemoteNode': 'true' } },
      [100, 5],
    ],
    [
      'class preferRemoteNode false turns a sharedv4 service hyperconverged',
      { params: { ...SHAREDV4_SVC, preferRemoteNode: 'false' } },
      [100, 5],
    ],
  ])('%s', (_name, opts, expected) => {
    const scores = prioritize(input([volume('v', opts)], { v: ['a'] }, nodes), { scale: 'raw' });
    expect(scores.map((s) => s.raw)).toEqual(expected);
  });

  it('a storage-down node without the replica gets no remote bonus; the reason says why others do', () => {
    const scores = prioritize(
      input([volume('svc', { params: { ...SHAREDV4_SVC } })], { svc: ['a'] }, [
        node('a'),
        node('b'),
        node('c', {}, 'storage-down'),
      ]),
      { scale: 'raw' },
    );
    expect(scores.map((s) => [s.raw, s.reason])).toEqual([
      [5, 'replica of svc, which prefers remote nodes (5)'],
      [100, 'remote from svc (100)'],
      [5, 'no locality (5)'],
    ]);
  });
});

describe('linear scale', () => {
  it.each<[number, number, number]>([
    [200, 200, 10],
    [150, 200, 7],
    [100, 100, 10],
    [50, 100, 5],
    [25, 100, 2],
    [10, 100, 1],
    [5, 100, 1],
    [5, 300, 1],
    [5, 0, 1],
    [0, 100, 0],
    [300, 200, 10],
  ])('raw %i of best %i -> %i', (raw, best, expected) => {
    expect(toExtenderScore(raw, best, 'linear')).toBe(expected);
  });

  it('raw passes the numbers through', () => {
    expect(toExtenderScore(125, 200, 'raw')).toBe(125);
  });

  it('Stork zoneTest on the linear scale, plus a non-driver node', async () => {
    const nodes: NodeSpec[] = [
      ['n1', 'r1', 'a'],
      ['n2', 'r2', 'a'],
      ['n3', 'r1', 'b'],
      ['n4', 'r2', 'b'],
      ['n5', 'r1', 'c'],
      ['n6', 'r1', 'c'],
    ];
    const result = await runScenario(
      {
        nodes,
        volumes: [
          { name: 'v1', replicas: ['n1', 'n2'] },
          { name: 'v2', replicas: ['n2', 'n3'] },
        ],
        nonDriver: ['n6'],
      },
      'linear',
    );
    expect(scoresOf(result, 'raw')).toEqual([125, 200, 100, 25, 5, 0]);
    expect(scoresOf(result, 'score')).toEqual([6, 10, 5, 1, 1, 0]);
  });
});

describe('filter rules', () => {
  const nodes = [node('a'), node('b'), node('c', {}, 'offline'), node('d', {}, 'storage-down')];

  it('no managed volume, or an unresolvable pod: every node passes, driver or not', () => {
    expect(
      filter(input([volume('v', { managed: false })], {}, nodes, { candidates: ['a', 'x'] })).passed,
    ).toEqual(['a', 'x']);
    expect(filter(input([], {}, [], { candidates: ['a', 'x'] })).passed).toEqual(['a', 'x']);
  });

  it('a pending claim in a class that is not found waits like an Immediate one', () => {
    const v = { ...volume('v', { bound: false }), storageClass: undefined };
    expect(filter(input([v], {}, nodes)).error).toBe('waiting for PVC ns/v to be bound');
  });

  it('replicas only on storage-down or unknown nodes count as unreachable', () => {
    const result = filter(input([volume('v'), volume('w')], { v: ['a'], w: ['d', 'ghost'] }, nodes));
    expect(result.unresolvable).toBe(true);
    expect(Object.values(result.failed)).toEqual(Array(4).fill(FILTER_REASON.noOnlineReplica('w')));
  });

  it('a volume whose source knows no replica does not fail the pod', () => {
    expect(filter(input([volume('v')], { v: [] }, nodes)).passed).toEqual(['a', 'b', 'd']);
  });

  it('applies steps 4, 5, 6 in order with their reasons', () => {
    const volumes = [
      volume('v1'),
      volume('v2'),
      volume('svc', { params: { ...SHAREDV4_SVC, preferRemoteNodeOnly: 'true' } }),
    ];
    const result = filter(
      input(volumes, { v1: ['a', 'b', 'c'], v2: ['a', 'c'], svc: ['b'] }, nodes, {
        candidates: ['a', 'b', 'c', 'd', 'x'],
        podAnnotations: { 'kube-converge.io/preferLocalNodeOnly': 'true' },
      }),
    );
    expect(result).toEqual({
      passed: ['a'],
      failed: {
        b: 'no replica of v2 on this node',
        c: 'storage offline',
        d: 'no replica of v1, v2 on this node',
        x: 'storage driver not running on this node',
      },
      unresolvable: false,
    });
  });

  it('preferRemoteNodeOnly reason', () => {
    const svc = volume('svc', {
      params: { ...SHAREDV4_SVC, 'stork.libopenstorage.org/preferRemoteNodeOnly': 'true' },
    });
    const result = filter(input([svc], { svc: ['a'] }, nodes));
    expect(result.failed.a).toBe('holds a replica of svc, whose StorageClass sets preferRemoteNodeOnly');
    expect(result.passed).toEqual(['b', 'd']);
  });

  it('unresolvable only when steps 5-6 leave no node, not when the driver is missing everywhere', () => {
    const onlyDriverFailures = filter(input([volume('v')], { v: ['a'] }, nodes, { candidates: ['c', 'x'] }));
    expect(onlyDriverFailures.passed).toEqual([]);
    expect(onlyDriverFailures.unresolvable).toBe(false);
    const localityFailures = filter(
      input([volume('v')], { v: ['a'] }, nodes, {
        candidates: ['b', 'x'],
        podAnnotations: { 'kube-converge.io/preferLocalNodeOnly': 'true' },
      }),
    );
    expect(localityFailures.unresolvable).toBe(true);
  });
});

describe('sources with their own storage nodes (Portworx-like ids)', () => {
  const pxNodes: StorageNode[] = [
    { id: 'px-1', nodeName: 'k1', status: 'online', rack: 'r1' },
    { id: 'px-2', nodeName: 'k2', status: 'online', rack: 'r1' },
    { id: 'px-3', status: 'online', rack: 'r2' },
    { id: 'px-4', nodeName: 'k4', status: 'online', rack: 'r2' },
    { id: 'px-4-stale', nodeName: 'k4', status: 'offline' },
  ];

  it('resolves replica ids in the source node space and candidates by Kubernetes node name', () => {
    const placements = new Map<string, VolumePlacement>([
      ['v', { replicaNodeIds: ['px-1', 'px-3'], labels: {}, source: 'portworx', storageNodes: pxNodes }],
    ]);
    const result = scorePod(
      { volumes: [volume('v')], placements, storageNodes: pxNodes, candidates: ['k1', 'k2', 'k4', 'k9'] },
      { scale: 'raw' },
    );
    // k4 has a stale offline duplicate: the online entry wins. px-3 is not a Kubernetes node but
    // still gives rack r2 its locality.
    expect(result.priorities.map((p) => p.raw)).toEqual([100, 50, 50, 0]);
    expect(result.filter.passed).toEqual(['k1', 'k2', 'k4']);
  });
});
