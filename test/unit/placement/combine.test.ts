import { MemoryStore, type SlimObject } from '../../../src/cluster/store.js';
import {
  gatherPlacement,
  locatePlacements,
  mergeStorageNodes,
  nodeLabelsSource,
  pvNodeAffinitySource,
  type PlacementSource,
  type Placements,
  type StorageNode,
  type VolumePlacement,
} from '../../../src/placement/index.js';
import type { ResolvedVolume } from '../../../src/resolution/types.js';

function volume(name: string, over: Partial<ResolvedVolume> = {}): ResolvedVolume {
  return {
    volume: name,
    source: 'persistentVolumeClaim',
    claim: { namespace: 'ns', name },
    pvc: {
      namespace: 'ns',
      name,
      annotations: {},
      storageClassName: 'sc',
      volumeName: `pv-${name}`,
      phase: 'Bound',
    },
    provisioner: 'pxd.portworx.com',
    managed: true,
    unknown: false,
    via: 'test',
    ...over,
  };
}

const placement = (source: string, ids: string[]): VolumePlacement => ({
  replicaNodeIds: ids,
  labels: {},
  source,
});

/** A source that knows a fixed set of volumes and records what it was asked. */
function fixedSource(name: string, known: Record<string, string[]>, asked: string[][]): PlacementSource {
  return {
    name,
    locate: (volumes): Placements => {
      asked.push(volumes.map((v) => v.volume));
      return new Map(
        volumes.filter((v) => known[v.volume]).map((v) => [v.volume, placement(name, known[v.volume] ?? [])]),
      );
    },
  };
}

const store = MemoryStore.of([]);

describe('locatePlacements', () => {
  it('asks sources in order, each only about what is still unknown; the first that knows answers', async () => {
    const asked: string[][] = [];
    const sources = [
      fixedSource('first', { a: ['n1'] }, asked),
      fixedSource('second', { a: ['n9'], b: ['n2'] }, asked),
      fixedSource('third', { c: ['n3'] }, asked),
      fixedSource('never', {}, asked),
    ];
    const { placements, problems } = await locatePlacements(
      sources,
      [volume('a'), volume('b'), volume('c')],
      store,
    );
    expect([...placements].map(([key, p]) => [key, p.source, p.replicaNodeIds])).toEqual([
      ['a', 'first', ['n1']],
      ['b', 'second', ['n2']],
      ['c', 'third', ['n3']],
    ]);
    expect(asked).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c']]);
    expect(problems).toEqual([]);
  });

  it('records a failing source and goes on with the next; async sources are awaited', async () => {
    const failing: PlacementSource = {
      name: 'portworx',
      locate: () => Promise.reject(new Error('connect ECONNREFUSED')),
    };
    const slow: PlacementSource = {
      name: 'slow',
      locate: async (volumes) => {
        await Promise.resolve();
        return new Map(volumes.map((v) => [v.volume, placement('slow', ['n1'])]));
      },
    };
    const { placements, problems } = await locatePlacements([failing, slow], [volume('a')], store);
    expect(problems).toEqual([{ source: 'portworx', message: 'connect ECONNREFUSED' }]);
    expect(placements.get('a')?.source).toBe('slow');
  });

  it('ignores answers about volumes it did not ask for', async () => {
    const chatty: PlacementSource = {
      name: 'chatty',
      locate: () => new Map([['zzz', placement('chatty', ['n1'])]]),
    };
    expect((await locatePlacements([chatty], [volume('a')], store)).placements.size).toBe(0);
  });
});

describe('mergeStorageNodes', () => {
  const cluster: StorageNode[] = [
    { id: 'k1', nodeName: 'k1', status: 'online' },
    { id: 'k2', nodeName: 'k2', status: 'online' },
  ];

  it('uses the cluster nodes when no source reports its own', () => {
    expect(mergeStorageNodes(new Map([['a', placement('node-labels', ['k1'])]]), cluster)).toEqual(cluster);
  });

  it("prefers a source's own nodes for the Kubernetes nodes they cover", () => {
    const px: StorageNode[] = [
      { id: 'px-1', nodeName: 'k1', status: 'storage-down' },
      { id: 'px-9', status: 'online' },
    ];
    const placements = new Map([
      ['a', { ...placement('portworx', ['px-1']), storageNodes: px }],
      ['b', { ...placement('portworx', ['px-9']), storageNodes: px }],
    ]);
    expect(mergeStorageNodes(placements, cluster).map((n) => n.id)).toEqual(['px-1', 'px-9', 'k2']);
  });
});

describe('gatherPlacement', () => {
  const items: SlimObject[] = [
    {
      kind: 'Node',
      obj: { name: 'n1', labels: { 'pv-a': 'true' }, unschedulable: false, ready: true, internalIPs: [] },
    },
    {
      kind: 'Node',
      obj: { name: 'n2', labels: { 'pv-b': 'true' }, unschedulable: false, ready: false, internalIPs: [] },
    },
    { kind: 'Node', obj: { name: 'n3', labels: {}, unschedulable: false, ready: true, internalIPs: [] } },
    { kind: 'CSINode', obj: { name: 'n1', drivers: ['pxd.portworx.com'] } },
    { kind: 'CSINode', obj: { name: 'n2', drivers: ['pxd.portworx.com'] } },
  ];
  const reader = MemoryStore.of(items);
  const sources = [pvNodeAffinitySource(), nodeLabelsSource()];

  it('locates managed, bound volumes and lists the driver nodes with their status', async () => {
    const volumes = [
      volume('a'),
      volume('b'),
      volume('pending', {
        pvc: {
          namespace: 'ns',
          name: 'pending',
          annotations: {},
          storageClassName: 'sc',
          volumeName: '',
          phase: 'Pending',
        },
      }),
      volume('unmanaged', { managed: false }),
    ];
    const gathered = await gatherPlacement({ sources, volumes, reader });
    expect([...gathered.placements.keys()]).toEqual(['a', 'b']);
    expect(gathered.placements.get('b')?.replicaNodeIds).toEqual(['n2']);
    expect(gathered.storageNodes).toEqual([
      { id: 'n1', nodeName: 'n1', status: 'online' },
      { id: 'n2', nodeName: 'n2', status: 'offline' },
    ]);
  });

  it('does nothing for a pod without managed volumes', async () => {
    const gathered = await gatherPlacement({ sources, volumes: [volume('a', { managed: false })], reader });
    expect(gathered).toEqual({ placements: new Map(), problems: [], storageNodes: [] });
  });
});
