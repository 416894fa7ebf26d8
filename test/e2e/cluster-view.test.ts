/**
 * The informer-backed cluster view (src/cluster/informer, InformerView) against a real kube-apiserver
 * and etcd, no kube-converge process: it syncs the six kinds, follows adds, updates and deletes through
 * its watches, reads a missing object live (once), and after etcd compaction, when a watch can only
 * answer 410 Gone, it relists. Issue 2 asked for this coverage; it lives here with the control plane.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { InformerView, OBJECT_KINDS, type InformerMetrics } from '../../src/cluster/informer/index.js';
import type { ObjectKind } from '../../src/cluster/types.js';
import { PORTWORX, fakeNode } from './harness/fixtures.js';
import { MERGE_PATCH } from './harness/kube.js';
import { scenario, useEnvironment } from './harness/jest.js';
import { until } from './harness/util.js';

const env = useEnvironment({ name: 'cluster-view', controllers: false, kubeConverge: false });

/** Counts what the view reports, by kind. */
class Counters implements InformerMetrics {
  readonly relists = new Map<string, number>();
  readonly watchErrors = new Map<string, number>();
  readonly liveReads = new Map<string, number>();
  private bump(m: Map<string, number>, key: string): void {
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  onRelist(kind: ObjectKind): void {
    this.bump(this.relists, kind);
  }
  onWatchError(kind: ObjectKind, reason: string): void {
    this.bump(this.watchErrors, `${kind}/${reason}`);
  }
  onLiveRead(kind: string, result: string): void {
    this.bump(this.liveReads, `${kind}/${result}`);
  }
}

const warnings: string[] = [];
const logger = {
  info: () => undefined,
  warn: (o: object, m: string) => void warnings.push(`${m} ${JSON.stringify(o)}`),
  error: (o: object, m: string) => void warnings.push(`${m} ${JSON.stringify(o)}`),
};

const views: InformerView[] = [];
function openView(kc: KubeConfig, counters: Counters): InformerView {
  const view = new InformerView(kc, { logger, metrics: counters });
  views.push(view);
  return view;
}

afterAll(async () => {
  await Promise.all(views.map((v) => v.stop()));
});

const claim = (name: string, annotations: Record<string, string> = {}) => ({
  metadata: { name, annotations },
  spec: {
    storageClassName: 'px',
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
  },
});

const pv = (name: string) => ({
  metadata: { name, labels: { tier: 'one' } },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'px',
    csi: { driver: PORTWORX, volumeHandle: name },
  },
});

const node = (name: string) =>
  fakeNode({ name, region: 'r', zone: 'z', driver: true, labels: { stage: 'one' } }, 0);

let view: InformerView;
const counters = new Counters();

describe('InformerView against kube-apiserver', () => {
  scenario('syncs all six kinds', env, async () => {
    const { kube } = env();
    // One object of each kind exists before the first list.
    await kube.core.createNode({ body: node('n-before') });
    await kube.createNamespace('view');
    await kube.storage.createStorageClass({ body: { metadata: { name: 'px' }, provisioner: PORTWORX } });
    await kube.core.createPersistentVolume({ body: pv('pv-before') });
    await kube.core.createNamespacedPersistentVolumeClaim({ namespace: 'view', body: claim('before') });
    await kube.storage.createCSINode({
      body: { metadata: { name: 'n-before' }, spec: { drivers: [{ name: PORTWORX, nodeID: 'n-before' }] } },
    });

    view = openView(kube.kc, counters);
    await view.start();
    await until('the view has synced', () => view.synced, { timeoutMs: 30_000 });
    expect(view.health().map((h) => [h.kind, h.synced])).toEqual(OBJECT_KINDS.map((k) => [k, true]));
    expect(view.node('n-before')?.labels.stage).toBe('one');
    expect(view.namespace('view')?.name).toBe('view');
    expect(view.storageClass('px')?.provisioner).toBe(PORTWORX);
    expect(view.pv('pv-before')?.csiDriver).toBe(PORTWORX);
    expect(view.pvc('view', 'before')?.storageClassName).toBe('px');
    expect([...view.csiNodes()].find((c) => c.name === 'n-before')?.drivers).toEqual([PORTWORX]);
    expect(view.sizes()).toMatchObject({ nodes: 1, pvcs: 1, pvs: 1, storageClasses: 1, csiNodes: 1 });
    for (const kind of OBJECT_KINDS) expect(counters.relists.get(kind)).toBe(1);
  });

  scenario('adds, updates and deletes of every kind become visible through the watches', env, async () => {
    const { kube } = env();
    const seen = (what: string, check: () => boolean) =>
      until(what, check, { timeoutMs: 10_000, intervalMs: 50 });

    // Adds
    await kube.core.createNode({ body: node('n-new') });
    await kube.createNamespace('view-new', { team: 'a' });
    await kube.storage.createStorageClass({ body: { metadata: { name: 'px-new' }, provisioner: PORTWORX } });
    await kube.core.createPersistentVolume({ body: pv('pv-new') });
    await kube.core.createNamespacedPersistentVolumeClaim({ namespace: 'view', body: claim('new') });
    await kube.storage.createCSINode({ body: { metadata: { name: 'n-new' }, spec: { drivers: [] } } });
    await seen('every new object is in the view', () =>
      Boolean(
        view.node('n-new') &&
        view.namespace('view-new') &&
        view.storageClass('px-new') &&
        view.pv('pv-new') &&
        view.pvc('view', 'new') &&
        [...view.csiNodes()].some((c) => c.name === 'n-new'),
      ),
    );

    // Updates
    await kube.core.patchNode(
      { name: 'n-new', body: { metadata: { labels: { stage: 'two' } } } },
      MERGE_PATCH,
    );
    await kube.core.patchNamespace(
      { name: 'view-new', body: { metadata: { labels: { team: 'b' } } } },
      MERGE_PATCH,
    );
    await kube.storage.patchStorageClass(
      {
        name: 'px-new',
        body: { metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } },
      },
      MERGE_PATCH,
    );
    await kube.core.patchPersistentVolume(
      { name: 'pv-new', body: { metadata: { labels: { tier: 'two' } } } },
      MERGE_PATCH,
    );
    await kube.core.patchNamespacedPersistentVolumeClaim(
      { namespace: 'view', name: 'new', body: { metadata: { annotations: { note: 'two' } } } },
      MERGE_PATCH,
    );
    await kube.storage.patchCSINode(
      { name: 'n-new', body: { spec: { drivers: [{ name: PORTWORX, nodeID: 'n-new' }] } } },
      MERGE_PATCH,
    );
    await seen('every update is in the view', () =>
      Boolean(
        view.node('n-new')?.labels.stage === 'two' &&
        view.namespace('view-new')?.labels.team === 'b' &&
        view.storageClass('px-new')?.isDefault &&
        view.defaultStorageClass()?.name === 'px-new' &&
        view.pv('pv-new')?.labels.tier === 'two' &&
        view.pvc('view', 'new')?.annotations.note === 'two' &&
        [...view.csiNodes()].find((c) => c.name === 'n-new')?.drivers.includes(PORTWORX),
      ),
    );

    // Deletes
    await kube.core.deleteNode({ name: 'n-new' });
    await kube.storage.deleteStorageClass({ name: 'px-new' });
    await kube.core.deletePersistentVolume({ name: 'pv-new' });
    await kube.core.deleteNamespacedPersistentVolumeClaim({ namespace: 'view', name: 'new' });
    await kube.storage.deleteCSINode({ name: 'n-new' });
    // The protection finalizers (added on create by the API server) are removed by controllers that do
    // not run here: drop them, as the controllers would for an unused volume.
    const noFinalizers = { body: { metadata: { finalizers: null } } };
    await kube.core.patchPersistentVolume({ name: 'pv-new', ...noFinalizers }, MERGE_PATCH);
    await kube.core.patchNamespacedPersistentVolumeClaim(
      { namespace: 'view', name: 'new', ...noFinalizers },
      MERGE_PATCH,
    );
    await seen('every deleted object left the view', () =>
      Boolean(
        !view.node('n-new') &&
        !view.storageClass('px-new') &&
        !view.pv('pv-new') &&
        !view.pvc('view', 'new') &&
        ![...view.csiNodes()].some((c) => c.name === 'n-new'),
      ),
    );
    // A namespace is deleted by the namespace controller (not running here): it only turns Terminating.
    // Its update (phase) still arrives; what the view keeps is its name and labels.
    expect(view.namespace('view-new')?.labels.team).toBe('b');
    expect(warnings).toEqual([]);
  });

  scenario(
    'a cache miss reads live once: fetchPVC finds a just-created claim, a missing one is undefined',
    env,
    async () => {
      const { kube } = env();
      // A view that never started has an empty cache: every fetch must go to the API server, so what
      // follows is the live path for certain, not a race with the watch.
      const cold = new Counters();
      const unstarted = openView(kube.kc, cold);
      await kube.core.createNamespacedPersistentVolumeClaim({
        namespace: 'view',
        body: claim('just-made', { a: 'b' }),
      });
      const fetched = await unstarted.fetchPVC('view', 'just-made');
      expect(fetched).toMatchObject({
        namespace: 'view',
        name: 'just-made',
        storageClassName: 'px',
        annotations: { a: 'b' },
      });
      expect(await unstarted.fetchPVC('view', 'never-made')).toBeUndefined();
      expect(await unstarted.fetchPV('pv-before')).toMatchObject({ name: 'pv-before', csiDriver: PORTWORX });
      expect(await unstarted.fetchStorageClass('no-such-class')).toBeUndefined();
      expect(Object.fromEntries(cold.liveReads)).toEqual({
        'PersistentVolumeClaim/found': 1,
        'PersistentVolumeClaim/not-found': 1,
        'PersistentVolume/found': 1,
        'StorageClass/not-found': 1,
      });
      // The started view has the claim from its watch: no live read at all.
      await until('the started view caught the claim', () => view.pvc('view', 'just-made') !== undefined);
      const before = counters.liveReads.size;
      expect((await view.fetchPVC('view', 'just-made'))?.name).toBe('just-made');
      expect(counters.liveReads.size).toBe(before);
    },
  );

  scenario('after etcd compaction the watches get 410 Gone and the view relists', env, async () => {
    const { kube, plane } = env();
    const relistsBefore = new Map(counters.relists);
    // The API server's watch cache answers watches from memory and ignores etcd compaction while it
    // runs; a restart rebuilds it at etcd's current revision. Compacting while it is down (after moving
    // the revision on with a write outside its keys) makes every resourceVersion the view holds too old.
    await plane.stopApiServer();
    await plane.bumpEtcdRevision();
    await plane.compactEtcd();
    await plane.restartApiServer();
    await until(
      'every kind reports an expired watch and a new list',
      () =>
        OBJECT_KINDS.every(
          (k) =>
            (counters.watchErrors.get(`${k}/expired`) ?? 0) >= 1 &&
            (counters.relists.get(k) ?? 0) > (relistsBefore.get(k) ?? 0),
        ),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // Relisted, and watching again: a change made now arrives.
    await kube.core.createNode({ body: node('n-after') });
    await until('the node made after the relist is seen', () => view.node('n-after') !== undefined, {
      timeoutMs: 10_000,
    });
    expect(view.synced).toBe(true);
    expect(view.node('n-before')?.labels.stage).toBe('one');
  });
});
