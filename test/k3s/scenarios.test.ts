/**
 * Scenarios 1, 4 and 8 of issue 4 on k3s (`npm run test:k3s`), for users with a Docker engine. NOT
 * exercised in this project's CI: no Docker engine runs there, and without one every scenario here
 * fails with DockerMissingError (never skips). The same scenarios run in CI on local processes:
 * test/e2e/scheduling.test.ts and admission.test.ts, whose fixtures and assertions these reuse.
 *
 * What k3s adds over the e2e suite: its own API server build, admission chain (ServiceAccount,
 * NodeRestriction, …), controllers and default scheduler, a real kubelet, and the network path a
 * cluster really takes to a webhook outside it (URL, TLS by caBundle, a name other than 127.0.0.1).
 *
 * The cluster: k3s's one real node (no Portworx driver) plus the e2e suite's five fake Nodes
 * (harness/cluster.ts says why they carry a storage-status label and why pods tolerate every taint).
 * With one real node a pod landing there would prove nothing; the choices are among the fake ones, and
 * what the real node makes meaningful is the path: the stored schedulerName, the secondary scheduler in
 * the cluster calling our extender across the container boundary, and the extender's verdict on a node
 * registered by a real kubelet (filtered out: it runs no Portworx driver).
 */
import type { V1Pod } from '@kubernetes/client-node';
import {
  CLASSES,
  DRIVER_NODES,
  NODE_NAMES,
  NOT_MANAGED,
  boundVolume,
  claimVolume,
} from '../e2e/harness/fixtures.js';
import { waitEvent, waitScheduled, type Kube } from '../e2e/harness/kube.js';
import { sleep, until } from '../e2e/harness/util.js';
import { OPT_OUT_LABEL } from '../e2e/harness/webhook.js';
import { createNamespace, pod } from './harness/cluster.js';
import { scenario, useK3s } from './harness/jest.js';

const env = useK3s();
const REVIEWS = 'kube_converge_admission_reviews_total';

/** Who bound the pod: the `Scheduled` event's reporting component is the profile's scheduler name. */
async function boundBy(kube: Kube, namespace: string, name: string): Promise<string | undefined> {
  const e = await waitEvent(kube, namespace, name, 'Scheduled');
  return e.reportingComponent || e.source?.component;
}

describe('pods with Portworx volumes are routed to kube-converge and land where their data is', () => {
  scenario(
    '1: bare Pods get schedulerName kube-converge from k3s, and the scheduler inside k3s binds them to their replica node',
    env,
    async () => {
      const { kube, kc, realNode } = env();
      const ns = 's1';
      await createNamespace(kube, ns);
      // One volume per driver node, each with its only replica there: four pods, four different right
      // answers among six nodes (five fake, one real).
      const cases = DRIVER_NODES.map((node, i) => ({ claim: `data-${i}`, node, pod: `app-${i}` }));
      await Promise.all(
        cases.map((c) => boundVolume(kube, { namespace: ns, claim: c.claim, replicaNodes: [c.node] })),
      );
      const stored: V1Pod[] = [];
      for (const c of cases) {
        // Created WITHOUT a schedulerName; what k3s stored carries our webhook's patch.
        const created = await kube.createPod(pod(ns, c.pod, { volumes: [claimVolume(c.claim)] }));
        expect(created.spec?.schedulerName).toBe('kube-converge');
        stored.push(created);
      }
      for (const c of cases) {
        const scheduled = await waitScheduled(kube, ns, c.pod, 60_000);
        expect({ pod: c.pod, node: scheduled.spec?.nodeName }).toEqual({ pod: c.pod, node: c.node });
        expect(await boundBy(kube, ns, c.pod)).toBe('kube-converge');
      }
      // The extender's verdict, asked as the scheduler asks it: the kubelet-registered node and
      // node-c1 run no Portworx driver and fail; the four driver nodes pass (ranking picks the replica).
      const verdict = await kc.filter(stored[0]!, [realNode, ...NODE_NAMES]);
      const failed = Object.keys({ ...verdict.FailedNodes, ...verdict.FailedAndUnresolvableNodes });
      expect(failed.sort()).toEqual([realNode, 'node-c1'].sort());
      expect([...(verdict.NodeNames ?? [])].sort()).toEqual([...DRIVER_NODES].sort());
    },
  );
});

describe('what kube-converge leaves alone', () => {
  scenario(
    '4: non-managed storage, no volumes, an explicit scheduler, the opt-out annotation and an opted-out namespace stay untouched',
    env,
    async () => {
      const { kube, kc } = env();
      const ns = 's4';
      const off = 's4-off';
      await createNamespace(kube, ns);
      await createNamespace(kube, off, { [OPT_OUT_LABEL]: 'true' });
      await boundVolume(kube, { namespace: ns, claim: 'px', replicaNodes: ['node-b2'] });
      await boundVolume(kube, { namespace: off, claim: 'px', replicaNodes: ['node-b2'] });
      await boundVolume(kube, {
        namespace: ns,
        claim: 'other',
        storageClass: CLASSES.other,
        driver: NOT_MANAGED,
      });

      // The control: the same claim without any opt-out is routed to us (so "untouched" below is a
      // decision, not a broken webhook).
      const routed = await kube.createPod(pod(ns, 'control', { volumes: [claimVolume('px')] }));
      expect(routed.spec?.schedulerName).toBe('kube-converge');

      const defaulted: Array<[string, V1Pod]> = [
        ['not-managed', pod(ns, 'not-managed', { volumes: [claimVolume('other')] })],
        // "No volumes" as a user wrote it: k3s's ServiceAccount admission adds a projected token volume
        // before our webhook sees the pod, which must not count as storage.
        ['no-volumes', pod(ns, 'no-volumes')],
        [
          'opted-out',
          pod(ns, 'opted-out', {
            volumes: [claimVolume('px')],
            annotations: { 'kube-converge.io/disable-admission-controller': 'true' },
          }),
        ],
        [
          'opted-out-stork',
          pod(ns, 'opted-out-stork', {
            volumes: [claimVolume('px')],
            annotations: { 'stork.libopenstorage.org/disable-admission-controller': 'true' },
          }),
        ],
      ];
      for (const [name, body] of defaulted) {
        const created = await kube.createPod(body);
        // k3s's defaulting fills in default-scheduler; our webhook added nothing.
        expect({ name, scheduler: created.spec?.schedulerName }).toEqual({
          name,
          scheduler: 'default-scheduler',
        });
        await waitScheduled(kube, ns, name, 60_000);
        // k3s's own scheduler, in its server process, bound it.
        expect({ name, by: await boundBy(kube, ns, name) }).toEqual({ name, by: 'default-scheduler' });
      }

      // An opted-out namespace is excluded by the namespaceSelector: the webhook is not even asked.
      const reviewsBefore = await kc.metric(REVIEWS, { kind: 'Pod' });
      const inOff = await kube.createPod(pod(off, 'in-opted-out-ns', { volumes: [claimVolume('px')] }));
      expect(inOff.spec?.schedulerName).toBe('default-scheduler');
      expect(await kc.metric(REVIEWS, { kind: 'Pod' })).toBe(reviewsBefore);
      await waitScheduled(kube, off, 'in-opted-out-ns', 60_000);
      expect(await boundBy(kube, off, 'in-opted-out-ns')).toBe('default-scheduler');

      // An explicit scheduler is the user's choice: kept, although nothing runs `my-scheduler`.
      const explicit = await kube.createPod(
        pod(ns, 'explicit', { volumes: [claimVolume('px')], schedulerName: 'my-scheduler' }),
      );
      expect(explicit.spec?.schedulerName).toBe('my-scheduler');

      // A workload opted out through its pod template is not patched either.
      const deployment = await kube.apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'opted-out' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'opted-out' } },
            template: {
              metadata: {
                labels: { app: 'opted-out' },
                annotations: { 'kube-converge.io/disable-admission-controller': 'true' },
              },
              spec: pod(ns, 'x', { volumes: [claimVolume('px')] }).spec!,
            },
          },
        },
      });
      expect(deployment.spec?.template.spec?.schedulerName).toBe('default-scheduler');

      await sleep(1_000);
      const stillWaiting = await kube.pod(ns, 'explicit');
      expect(stillWaiting.spec?.schedulerName).toBe('my-scheduler');
      expect(stillWaiting.spec?.nodeName ?? '').toBe('');
      // ...while the control went to its replica node through our profile.
      expect((await waitScheduled(kube, ns, 'control', 60_000)).spec?.nodeName).toBe('node-b2');
      expect(await boundBy(kube, ns, 'control')).toBe('kube-converge');
    },
  );
});

describe('read-after-create', () => {
  /**
   * A PVC created a moment before its pod may not be in our cache yet when k3s calls the webhook:
   * exactly one live read finds it (contract §2). The WatchGate holds kube-converge's PVC watch so the
   * cache miss is certain, not a race we usually lose.
   */
  scenario(
    '8: a PVC created just before its pod: the pod is mutated thanks to the one live read',
    env,
    async () => {
      const { kube, kc, gate } = env();
      const ns = 's8';
      await createNamespace(kube, ns);
      // The gate really carries kube-converge's PVC watch (else holding it would prove nothing).
      expect(gate.watches).toContain('/api/v1/persistentvolumeclaims');
      const claim = (name: string) => ({
        metadata: { name },
        spec: {
          storageClassName: CLASSES.px,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      });
      const cachedPvcs = () => kc.metric('kube_converge_cache_objects', { kind: 'pvcs' });
      const found = () =>
        kc.metric('kube_converge_cache_live_read_results_total', {
          kind: 'PersistentVolumeClaim',
          result: 'found',
        });
      const liveReads = () => kc.metric('kube_converge_cache_live_reads_total');

      const before = { cached: await cachedPvcs(), found: await found(), live: await liveReads() };
      gate.hold('/api/v1/persistentvolumeclaims');
      try {
        await kube.core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: claim('fresh') });
        const created = await kube.createPod(
          pod(ns, 'reads-after-create', { volumes: [claimVolume('fresh')] }),
        );
        expect(created.spec?.schedulerName).toBe('kube-converge');
        // Not from the cache: it never saw the claim...
        expect(await cachedPvcs()).toBe(before.cached);
        // ...but a live read found it (the extender may make one more once the pod is scheduled).
        expect(await found()).toBeGreaterThanOrEqual(before.found + 1);
        expect(await liveReads()).toBeGreaterThanOrEqual(before.live + 1);

        // A claim that does not exist even on a live read: admitted unchanged, counted (never an error).
        const unknownBefore = await kc.metric('kube_converge_unknown_volumes_total');
        const orphan = await kube.createPod(pod(ns, 'no-such-claim', { volumes: [claimVolume('missing')] }));
        expect(orphan.spec?.schedulerName).toBe('default-scheduler');
        expect(await kc.metric('kube_converge_unknown_volumes_total')).toBe(unknownBefore + 1);
      } finally {
        gate.release();
      }
      // Released, the watch delivers and the cache catches up.
      await until('the cache holds the new claim', async () => (await cachedPvcs()) === before.cached + 1);
    },
  );
});
