/**
 * Scenarios 4, 5 and 8 of issue 4: what the webhook leaves alone, what the API server does when the
 * webhook is dead or hung, and read-after-create. Same cluster as scheduling.test.ts (real etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, kube-converge).
 *
 * kube-converge's own API traffic goes through a WatchGate here (harness/watch-gate.ts), so scenario 8
 * can hold back its PVC watch; the gate is transparent otherwise, and the API server's calls to the
 * webhook never pass it.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { CLASSES, NOT_MANAGED, boundVolume, claimVolume, createCluster, pod } from './harness/fixtures.js';
import { waitEvent, waitScheduled, type Kube } from './harness/kube.js';
import { scenario, useEnvironment } from './harness/jest.js';
import { sleep, until } from './harness/util.js';
import { FAIL_POLICY, OPT_OUT_LABEL } from './harness/webhook.js';

const env = useEnvironment({ name: 'admission', watchGate: true });
const REVIEWS = 'kube_converge_admission_reviews_total';

beforeAll(async () => {
  await createCluster(env().kube);
}, 60_000);

async function boundBy(kube: Kube, namespace: string, name: string): Promise<string | undefined> {
  const e = await waitEvent(kube, namespace, name, 'Scheduled');
  return e.reportingComponent || e.source?.component;
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await f();
  return { value, ms: performance.now() - started };
}

describe('what kube-converge leaves alone', () => {
  scenario(
    '4: non-managed storage, no volumes, an explicit scheduler, the opt-out annotation and an opted-out namespace stay untouched',
    env,
    async () => {
      const { kube, kc } = env();
      const ns = 's4';
      const off = 's4-off';
      await kube.createNamespace(ns);
      await kube.createNamespace(off, { [OPT_OUT_LABEL]: 'true' });
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

      const defaulted: Array<[string, string, V1Pod]> = [
        [ns, 'not-managed', pod(ns, 'not-managed', { volumes: [claimVolume('other')] })],
        [ns, 'no-volumes', pod(ns, 'no-volumes')],
        [
          ns,
          'opted-out',
          pod(ns, 'opted-out', {
            volumes: [claimVolume('px')],
            annotations: { 'kube-converge.io/disable-admission-controller': 'true' },
          }),
        ],
        [
          ns,
          'opted-out-stork',
          pod(ns, 'opted-out-stork', {
            volumes: [claimVolume('px')],
            annotations: { 'stork.libopenstorage.org/disable-admission-controller': 'true' },
          }),
        ],
      ];
      for (const [namespace, name, body] of defaulted) {
        const created = await kube.createPod(body);
        // The API server's defaulting fills in default-scheduler; our webhook added nothing.
        expect({ name, scheduler: created.spec?.schedulerName }).toEqual({
          name,
          scheduler: 'default-scheduler',
        });
        await waitScheduled(kube, namespace, name);
        expect({ name, by: await boundBy(kube, namespace, name) }).toEqual({ name, by: 'default-scheduler' });
      }

      // An opted-out namespace is excluded by the namespaceSelector: the webhook is not even asked.
      const reviewsBefore = await kc.metric(REVIEWS, { kind: 'Pod' });
      const inOff = await kube.createPod(pod(off, 'in-opted-out-ns', { volumes: [claimVolume('px')] }));
      expect(inOff.spec?.schedulerName).toBe('default-scheduler');
      expect(await kc.metric(REVIEWS, { kind: 'Pod' })).toBe(reviewsBefore);
      await waitScheduled(kube, off, 'in-opted-out-ns');
      expect(await boundBy(kube, off, 'in-opted-out-ns')).toBe('default-scheduler');

      // An explicit scheduler is the user's choice: kept, although nothing runs `my-scheduler` (the
      // pod waits for it for ever).
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
      expect((await waitScheduled(kube, ns, 'control')).spec?.nodeName).toBe('node-b2');
    },
  );
});

describe('a dead or hung webhook with failurePolicy Ignore', () => {
  scenario(
    '5: pods are still created, unmutated, within the timeout; restarted, kube-converge mutates again',
    env,
    async () => {
      const e = env();
      const { kube, kc } = e;
      const ns = 's5';
      const timeoutSeconds = 2;
      // The API server's own overhead on top of the webhook timeout, on a busy 2-core machine.
      const marginMs = 1_500;
      await kube.createNamespace(ns);
      await boundVolume(kube, { namespace: ns, claim: 'px', replicaNodes: ['node-a2'] });
      await e.setWebhookPolicy({ failurePolicy: 'Ignore', timeoutSeconds });
      const create = (name: string) =>
        timed(() => kube.createPod(pod(ns, name, { volumes: [claimVolume('px')] })));
      try {
        const alive = await create('while-alive');
        expect(alive.value.spec?.schedulerName).toBe('kube-converge');

        // Hung (SIGSTOP: the port accepts connections, nothing answers): the API server waits the
        // whole timeout, then admits the pod as it is.
        kc.process?.pause();
        const hung = await create('while-hung');
        kc.process?.resume();
        expect(hung.value.spec?.schedulerName).toBe('default-scheduler');
        expect(hung.ms).toBeGreaterThanOrEqual(timeoutSeconds * 1000 - 100);
        expect(hung.ms).toBeLessThan(timeoutSeconds * 1000 + marginMs);

        // Dead (SIGKILL: connection refused): admitted unchanged, without waiting for the timeout.
        await kc.kill();
        const dead = await create('while-dead');
        expect(dead.value.spec?.schedulerName).toBe('default-scheduler');
        expect(dead.ms).toBeLessThan(timeoutSeconds * 1000 + marginMs);

        // Back: it mutates again, and its extender places the pod.
        await kc.restart();
        const back = await create('after-restart');
        expect(back.value.spec?.schedulerName).toBe('kube-converge');
        expect((await waitScheduled(kube, ns, 'after-restart')).spec?.nodeName).toBe('node-a2');
        process.stdout.write(
          `scenario 5: webhook hung ${Math.round(hung.ms)} ms, dead ${Math.round(dead.ms)} ms, alive ${Math.round(alive.ms)} ms\n`,
        );
      } finally {
        kc.process?.resume();
        if (!kc.process?.running()) await kc.start();
        await e.setWebhookPolicy(FAIL_POLICY);
      }
    },
  );
});

describe('read-after-create', () => {
  /**
   * A PVC created a moment before its pod (what the StatefulSet controller does) may not be in our
   * cache yet when the pod is admitted: exactly one live read finds it (contract §2). The WatchGate
   * holds kube-converge's PVC watch so the cache miss is certain, not a race we usually lose.
   */
  scenario(
    '8: a PVC created just before its pod: the pod is mutated thanks to the one live read',
    env,
    async () => {
      const { kube, kc, gate } = env();
      const ns = 's8';
      await kube.createNamespace(ns);
      // The gate really carries kube-converge's PVC watch (else holding it would prove nothing).
      expect(gate?.watches).toContain('/api/v1/persistentvolumeclaims');
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
      gate?.hold('/api/v1/persistentvolumeclaims');
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
        gate?.release();
      }
      // Released, the watch delivers and the cache catches up.
      await until('the cache holds the new claim', async () => (await cachedPvcs()) === before.cached + 1);
    },
  );
});
