/**
 * Scenario 7 of issue 4, on a control plane of its own (it restarts kube-apiserver): the API server
 * goes away under a running kube-converge and comes back (same etcd, same port, same certificates).
 * While it is down, etcd is compacted past every resourceVersion our informers hold, so their watches
 * cannot simply resume: each must get 410 Gone and relist. Then objects created after the restart
 * (a StorageClass, a PV, a claim, a node label) must reach kube-converge's cache and its decisions.
 */
import { PORTWORX, boundVolume, claimVolume, createCluster, pod } from './harness/fixtures.js';
import { waitEvent, waitScheduled } from './harness/kube.js';
import { scenario, useEnvironment } from './harness/jest.js';
import { sumOf, type Sample } from './harness/kube-converge.js';
import { until } from './harness/util.js';

const env = useEnvironment({ name: 'apiserver-restart' });
const KINDS = ['Node', 'Namespace', 'PersistentVolumeClaim', 'PersistentVolume', 'StorageClass', 'CSINode'];

beforeAll(async () => {
  await createCluster(env().kube);
}, 60_000);

const relists = (m: readonly Sample[], kind: string): number =>
  sumOf(m, 'kube_converge_cache_relists_total', { kind });
const expired = (m: readonly Sample[], kind: string): number =>
  sumOf(m, 'kube_converge_cache_watch_errors_total', { kind, reason: 'expired' });

describe('kube-apiserver restarted under a running kube-converge', () => {
  scenario(
    '7: the informers get 410, relist and recover; decisions about objects created after the restart are right',
    env,
    async () => {
      const { kube, kc, plane } = env();
      const ns = 's7';
      await kube.createNamespace(ns);
      // Before: a decision from the cache, to compare with.
      await boundVolume(kube, { namespace: ns, claim: 'early', replicaNodes: ['node-a1'] });
      expect(
        (await kube.createPod(pod(ns, 'early', { volumes: [claimVolume('early')] }))).spec?.schedulerName,
      ).toBe('kube-converge');
      const before = await kc.metrics();

      await plane.stopApiServer();
      // Writes outside the API server's keys move etcd's revision on; compacting there leaves every
      // resourceVersion our watches hold in the past.
      await plane.bumpEtcdRevision();
      const compactedAt = await plane.compactEtcd();
      // Meanwhile kube-converge answers from memory: a short outage is no reason to go unready.
      expect(await kc.ready()).toBe(true);
      await plane.restartApiServer();

      const recovered = await until(
        'every kind of the cache got 410 and relisted',
        async () => {
          const m = await kc.metrics();
          return KINDS.every((k) => expired(m, k) > expired(before, k) && relists(m, k) > relists(before, k))
            ? m
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(KINDS.map((k) => [k, relists(recovered, k) - relists(before, k) >= 1])).toEqual(
        KINDS.map((k) => [k, true]),
      );
      expect(await kc.ready()).toBe(true);
      expect(compactedAt).toBeGreaterThan(0);

      // After: new objects of three kinds, seen through the recovered watches (the cache gauge grows;
      // no live read is needed for the decision).
      const sizes = async (kind: string) => kc.metric('kube_converge_cache_objects', { kind });
      const classesBefore = await sizes('storageClasses');
      await kube.storage.createStorageClass({
        body: {
          metadata: { name: 'px-after-restart' },
          provisioner: PORTWORX,
          volumeBindingMode: 'Immediate',
        },
      });
      await until(
        'the new StorageClass is cached',
        async () => (await sizes('storageClasses')) === classesBefore + 1,
      );
      const pvcsBefore = await sizes('pvcs');
      const pv = await boundVolume(kube, {
        namespace: ns,
        claim: 'late',
        storageClass: 'px-after-restart',
        replicaNodes: ['node-b2'],
      });
      await until('the new claim is cached', async () => (await sizes('pvcs')) === pvcsBefore + 1);
      // The node label that says where the data is arrived through the Node watch, too.
      await until('the new replica label is cached', async () => {
        const f = (await kc.extender('filter', pod(ns, 'probe', { volumes: [claimVolume('late')] }), [
          'node-b2',
        ])) as {
          NodeNames: string[];
        };
        const p = (await kc.extender('prioritize', pod(ns, 'probe', { volumes: [claimVolume('late')] }), [
          'node-a1',
          'node-b2',
        ])) as Array<{ Host: string; Score: number }>;
        return f.NodeNames.includes('node-b2') && p.find((s) => s.Host === 'node-b2')?.Score === 10;
      });
      expect(pv).toBe('pv-s7-late');

      const liveBefore = await kc.metric('kube_converge_cache_live_reads_total');
      const late = await kube.createPod(pod(ns, 'late', { volumes: [claimVolume('late')] }));
      expect(late.spec?.schedulerName).toBe('kube-converge');
      expect(await kc.metric('kube_converge_cache_live_reads_total')).toBe(liveBefore);
      // kube-scheduler recovered as well, and our extender placed the pod by the post-restart label.
      expect((await waitScheduled(kube, ns, 'late')).spec?.nodeName).toBe('node-b2');
      const scheduled = await waitEvent(kube, ns, 'late', 'Scheduled');
      expect(scheduled.reportingComponent || scheduled.source?.component).toBe('kube-converge');
      // The pod from before the restart was placed too (its scheduling may straddle the outage).
      expect((await waitScheduled(kube, ns, 'early', 60_000)).spec?.nodeName).toBe('node-a1');
    },
    180_000,
  );
});
