import { MemoryStore } from '../../../src/cluster/store.js';
import { gatherPlacement, nodeLabelsSource } from '../../../src/placement/index.js';
import { resolvePodVolumes } from '../../../src/resolution/resolve.js';
import { scorePod } from '../../../src/scoring/index.js';
import { buildStore, DRIVER, NAMESPACE, podVolumes, type Scenario } from './cluster-fixture.js';

const scenario: Scenario = {
  nodes: [
    ['n1', 'r1', 'z1', 'eu'],
    ['n2', 'r1', 'z1', 'eu'],
    ['n3', 'r2', 'z2', 'eu'],
  ],
  volumes: [{ name: 'a', replicas: ['n1'] }],
};

async function score(explain: boolean | undefined) {
  const store: MemoryStore = buildStore(scenario);
  const volumes = resolvePodVolumes(podVolumes(scenario), NAMESPACE, store, {
    provisioners: new Set([DRIVER]),
  });
  const gathered = await gatherPlacement({ sources: [nodeLabelsSource()], volumes, reader: store });
  return scorePod(
    {
      volumes,
      placements: gathered.placements,
      storageNodes: gathered.storageNodes,
      candidates: ['n1', 'n2', 'n3'],
    },
    explain === undefined ? { scale: 'raw' } : { scale: 'raw', explain },
  );
}

describe('reasons are optional, scores are not', () => {
  it('without explanations the numbers are the same and the reasons empty', async () => {
    const explained = (await score(undefined)).priorities;
    const bare = (await score(false)).priorities;
    expect(bare.map((p) => [p.node, p.raw, p.score])).toEqual(explained.map((p) => [p.node, p.raw, p.score]));
    expect(explained.map((p) => p.raw)).toEqual([100, 50, 10]);
    expect(explained[0]?.reason).toBe('replica of a (100)');
    expect(bare.every((p) => p.reason === '')).toBe(true);
  });

  it('each half is computed when read, and only once', async () => {
    const scores = await score(true);
    expect(scores.filter).toBe(scores.filter);
    expect(scores.priorities).toBe(scores.priorities);
  });
});
