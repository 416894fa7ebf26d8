import { classifyConvergence } from '../../../src/hyperconvergence/classify.js';
import type { StorageNode, VolumePlacement } from '../../../src/placement/types.js';
import type { ResolvedVolume } from '../../../src/resolution/types.js';
import { classifierOver, clusterStore, DRIVER, slim } from './fixture.js';

describe('convergence through the extender path (resolution → node-labels placement → classify)', () => {
  const classify = classifierOver(clusterStore());

  it.each([
    ['its one volume has a replica on its node', 'n1', ['a'], 'hyperconverged'],
    ['the other replica node of the same volume', 'n2', ['a'], 'hyperconverged'],
    ['two volumes, one local', 'n1', ['a', 'b'], 'partial'],
    ['two volumes, the other one local', 'n3', ['a', 'b'], 'partial'],
    ['its volume lives elsewhere', 'n3', ['a'], 'none'],
    ['a claim still waiting for its first consumer does not count', 'n2', ['a', 'later'], 'hyperconverged'],
    ['an unmanaged volume does not count', 'n3', ['b', 'local'], 'hyperconverged'],
    ['no claim', 'n1', [], undefined],
    ['only a claim not bound yet', 'n1', ['later'], undefined],
    ['only an unmanaged volume', 'n1', ['local'], undefined],
    ['a claim that does not exist', 'n1', ['ghost'], undefined],
  ])('%s: on %s with %j → %s', async (_what, nodeName, claims, expected) => {
    expect(await classify(slim('p', nodeName, claims))).toBe(expected);
  });
});

describe('classifyConvergence with storage nodes a source reports itself (Portworx-like ids)', () => {
  const volume = (name: string): ResolvedVolume => ({
    volume: name,
    source: 'persistentVolumeClaim',
    claim: { namespace: 'ns', name },
    pvc: {
      namespace: 'ns',
      name,
      annotations: {},
      storageClassName: 'px',
      volumeName: `pv-${name}`,
      phase: 'Bound',
    },
    provisioner: DRIVER,
    managed: true,
    unknown: false,
    via: 'test',
  });
  const storageNodes: StorageNode[] = [
    { id: 'px-1', nodeName: 'n1', status: 'online' },
    { id: 'px-2', nodeName: 'n2', status: 'storage-down' },
    { id: 'px-9', status: 'online' },
  ];
  const at = (...ids: string[]): VolumePlacement => ({
    replicaNodeIds: ids,
    labels: {},
    source: 'portworx',
    storageNodes,
  });

  it.each([
    [
      'replica ids are matched to Kubernetes nodes through the storage nodes',
      'n1',
      { a: at('px-1') },
      'hyperconverged',
    ],
    ['a replica on a storage-down node still holds the data', 'n2', { a: at('px-2') }, 'hyperconverged'],
    ['a replica on a storage-only node is never local', 'n1', { a: at('px-9') }, 'none'],
    ['an id no storage node has is not local either', 'n1', { a: at('px-404') }, 'none'],
    ['one of two volumes local', 'n1', { a: at('px-1', 'px-2'), b: at('px-9') }, 'partial'],
    [
      'a volume whose placement lists no replica is not located',
      'n1',
      { a: at('px-1'), b: at() },
      'hyperconverged',
    ],
    ['no placement at all', 'n1', {}, undefined],
  ])('%s', (_what, nodeName, byVolume, expected) => {
    const volumes = ['a', 'b'].map(volume);
    const placements = new Map(Object.entries(byVolume as Record<string, VolumePlacement>));
    expect(classifyConvergence(nodeName, volumes, placements, [])).toBe(expected);
  });
});
