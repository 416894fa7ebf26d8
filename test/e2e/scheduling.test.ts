/**
 * Scenarios 1, 2, 3 and 6 of issue 4 on one control plane: etcd, kube-apiserver,
 * kube-controller-manager, kube-converge (webhook + extender) and kube-scheduler with a `kube-converge`
 * profile calling our extender. Real binaries and controllers; only the Nodes are fake (no kubelet).
 *
 * The cluster (harness/fixtures.ts): node-a1, node-a2 (zone eu-a), node-b1, node-b2 (zone eu-b) run the
 * Portworx driver, node-c1 (zone eu-c) does not. Each scenario has its own namespace.
 */
import type { V1Pod } from '@kubernetes/client-node';
import {
  DRIVER_NODES,
  NODE_NAMES,
  PORTWORX,
  boundVolume,
  claimVolume,
  createCluster,
  pod,
  portworxPV,
} from './harness/fixtures.js';
import {
  podScheduledCondition,
  waitClaimBound,
  waitEvent,
  waitScheduled,
  type Kube,
} from './harness/kube.js';
import { scenario, useEnvironment } from './harness/jest.js';
import { sleep, until } from './harness/util.js';

const env = useEnvironment({ name: 'scheduling' });

beforeAll(async () => {
  await createCluster(env().kube);
}, 60_000);

/** Who bound the pod: the `Scheduled` event's reporting component is the profile's scheduler name. */
async function boundBy(kube: Kube, namespace: string, name: string): Promise<string | undefined> {
  const e = await waitEvent(kube, namespace, name, 'Scheduled');
  return e.reportingComponent || e.source?.component;
}

/** Waits until `count` pods match the selector and all are bound; returns them by name. */
async function scheduledPods(
  kube: Kube,
  namespace: string,
  selector: string,
  count: number,
): Promise<V1Pod[]> {
  return until(
    `${count} pods ${selector} in ${namespace} are scheduled`,
    async () => {
      const pods = await kube.pods(namespace, selector);
      const bound = pods.filter((p) => p.spec?.nodeName && podScheduledCondition(p).status === 'True');
      return pods.length === count && bound.length === count
        ? bound.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

describe('pods with Portworx volumes are routed to kube-converge and land where their data is', () => {
  scenario(
    '1: bare Pods get schedulerName kube-converge and are bound to the node holding their replica',
    env,
    async () => {
      const { kube } = env();
      const ns = 's1';
      await kube.createNamespace(ns);
      // One volume per driver node, each with its only replica there: four pods, four different right
      // answers among five nodes, so all four landing right is not luck.
      const cases = DRIVER_NODES.map((node, i) => ({ claim: `data-${i}`, node, pod: `app-${i}` }));
      await Promise.all(
        cases.map((c) => boundVolume(kube, { namespace: ns, claim: c.claim, replicaNodes: [c.node] })),
      );
      for (const c of cases) {
        // Created WITHOUT a schedulerName; what the API server stored carries our webhook's patch.
        const created = await kube.createPod(pod(ns, c.pod, { volumes: [claimVolume(c.claim)] }));
        expect(created.spec?.schedulerName).toBe('kube-converge');
      }
      for (const c of cases) {
        const scheduled = await waitScheduled(kube, ns, c.pod);
        expect({ pod: c.pod, node: scheduled.spec?.nodeName }).toEqual({ pod: c.pod, node: c.node });
        expect(await boundBy(kube, ns, c.pod)).toBe('kube-converge');
      }
    },
  );

  scenario(
    "2: a Deployment's pods, made by the real deployment and replicaset controllers, land on their replica nodes",
    env,
    async () => {
      const { kube } = env();
      const ns = 's2';
      await kube.createNamespace(ns);
      const apps = [
        { app: 'web-a', claim: 'shared-a', node: 'node-a2' },
        { app: 'web-b', claim: 'shared-b', node: 'node-b1' },
      ];
      await Promise.all(
        apps.map((a) => boundVolume(kube, { namespace: ns, claim: a.claim, replicaNodes: [a.node] })),
      );
      for (const a of apps) {
        const created = await kube.apps.createNamespacedDeployment({
          namespace: ns,
          body: {
            metadata: { name: a.app },
            spec: {
              replicas: 3,
              selector: { matchLabels: { app: a.app } },
              template: {
                metadata: { labels: { app: a.app } },
                spec: pod(ns, a.app, { volumes: [claimVolume(a.claim)] }).spec!,
              },
            },
          },
        });
        // The Deployment itself is patched (contract §3), so every ReplicaSet and pod inherits the name.
        expect(created.spec?.template.spec?.schedulerName).toBe('kube-converge');
      }
      for (const a of apps) {
        const pods = await scheduledPods(kube, ns, `app=${a.app}`, 3);
        // Three replicas on one node, against the default PodTopologySpread's wish to spread them: the
        // extender's weight (30, as the chart) puts data locality first.
        expect(pods.map((p) => [p.spec?.schedulerName, p.spec?.nodeName])).toEqual(
          pods.map(() => ['kube-converge', a.node]),
        );
        const owner = pods[0]?.metadata?.ownerReferences?.[0];
        expect(owner?.kind).toBe('ReplicaSet');
        const rs = await kube.apps.readNamespacedReplicaSet({ namespace: ns, name: owner?.name ?? '' });
        expect(rs.spec?.template?.spec?.schedulerName).toBe('kube-converge');
        expect(await boundBy(kube, ns, pods[0]?.metadata?.name ?? '')).toBe('kube-converge');
      }
    },
  );

  /**
   * What this proves, and what it does not. The PV controller binds each claim the StatefulSet
   * controller creates to one of our PVs, and each PV's nodeAffinity pins it to one node. kube-scheduler's
   * VolumeBinding plugin then admits only that node, so "each pod lands on its PV's node" would hold
   * without us. OUR parts are: (a) the webhook patched the StatefulSet from its volumeClaimTemplates alone
   * (their claims did not exist yet; contract §2.5 says never look them up); (b) the pods went through the
   * kube-converge profile and our extender let the PV's node through; (c) asked directly with the stored
   * pods and every node, our extender ranks exactly the PV's node first: the `pv-node-affinity` placement
   * source read the real PVs (no node carries a `<pv>=true` label here, so `node-labels` knows nothing).
   */
  scenario(
    '3: a StatefulSet with a volumeClaimTemplate: claims bound to node-pinned PVs, each pod on its PV node',
    env,
    async () => {
      const { kube, kc } = env();
      const ns = 's3';
      await kube.createNamespace(ns);
      // A class of its own, Immediate: the PV controller binds claims as soon as they exist.
      await kube.storage.createStorageClass({
        body: { metadata: { name: 'px-local' }, provisioner: PORTWORX, volumeBindingMode: 'Immediate' },
      });
      const pvNodes: Record<string, string> = {
        'pv-s3-x': 'node-a1',
        'pv-s3-y': 'node-b2',
        'pv-s3-z': 'node-a2',
      };
      for (const [pv, node] of Object.entries(pvNodes)) {
        await kube.core.createPersistentVolume({
          body: portworxPV(pv, {
            storageClassName: 'px-local',
            size: '2Gi',
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
                ],
              },
            },
          }),
        });
      }
      const sts = await kube.apps.createNamespacedStatefulSet({
        namespace: ns,
        body: {
          metadata: { name: 'db' },
          spec: {
            serviceName: 'db',
            replicas: 3,
            podManagementPolicy: 'Parallel',
            selector: { matchLabels: { app: 'db' } },
            template: { metadata: { labels: { app: 'db' } }, spec: pod(ns, 'db').spec! },
            volumeClaimTemplates: [
              {
                metadata: { name: 'data' },
                spec: {
                  storageClassName: 'px-local',
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '2Gi' } },
                },
              },
            ],
          },
        },
      });
      expect(sts.spec?.template.spec?.schedulerName).toBe('kube-converge'); // (a)

      const pods = await scheduledPods(kube, ns, 'app=db', 3);
      const bound: string[] = [];
      for (const p of pods) {
        const name = p.metadata?.name ?? '';
        const claim = await waitClaimBound(kube, ns, `data-${name}`);
        const pv = claim.spec?.volumeName ?? '';
        bound.push(pv);
        expect({ pod: name, scheduler: p.spec?.schedulerName, node: p.spec?.nodeName }).toEqual({
          pod: name,
          scheduler: 'kube-converge',
          node: pvNodes[pv],
        });
        expect(await boundBy(kube, ns, name)).toBe('kube-converge'); // (b)
        // (c) our extender's own verdict on the stored pod, over every node.
        const filter = (await kc.extender('filter', p, NODE_NAMES)) as {
          NodeNames: string[];
          FailedNodes: Record<string, string>;
          FailedAndUnresolvableNodes: Record<string, string>;
        };
        expect(filter.NodeNames).toContain(pvNodes[pv]);
        // Only node-c1 is refused, for having no Portworx driver (VolumeBinding refuses the others).
        expect({ ...filter.FailedNodes, ...filter.FailedAndUnresolvableNodes }).toEqual({
          'node-c1': 'storage driver not running on this node',
        });
        const scores = (await kc.extender('prioritize', p, NODE_NAMES)) as Array<{
          Host: string;
          Score: number;
        }>;
        const best = Math.max(...scores.map((s) => s.Score));
        expect(scores.filter((s) => s.Score === best).map((s) => s.Host)).toEqual([pvNodes[pv]]);
        expect(best).toBe(10);
      }
      expect(bound.sort()).toEqual(Object.keys(pvNodes).sort());
    },
  );

  /**
   * The WaitForFirstConsumer side: claims of a WFFC class are still Pending when the pod is scheduled
   * (kube-scheduler's VolumeBinding picks the PV), so our extender must neither score them nor fail the
   * pod on them (scoring.md filter step 2) — answering "waiting for PVC" here would leave the pods
   * Pending for ever. It still keeps them off node-c1, which has no Portworx driver (VolumeBinding alone
   * would allow it: a Portworx class can provision anywhere, as far as the scheduler knows).
   */
  scenario(
    '3b: WaitForFirstConsumer claims do not block the extender; VolumeBinding picks a PV on a driver node',
    env,
    async () => {
      const { kube } = env();
      const ns = 's3b';
      await kube.createNamespace(ns);
      await kube.storage.createStorageClass({
        body: {
          metadata: { name: 'px-local-wait' },
          provisioner: PORTWORX,
          volumeBindingMode: 'WaitForFirstConsumer',
        },
      });
      // A PV for this class on every driver node: wherever the pod goes among them, one matches.
      const pvNode: Record<string, string> = {};
      for (const node of DRIVER_NODES) {
        const pv = `pv-s3b-${node}`;
        pvNode[pv] = node;
        await kube.core.createPersistentVolume({
          body: portworxPV(pv, {
            storageClassName: 'px-local-wait',
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
                ],
              },
            },
          }),
        });
      }
      const sts = await kube.apps.createNamespacedStatefulSet({
        namespace: ns,
        body: {
          metadata: { name: 'cache' },
          spec: {
            serviceName: 'cache',
            replicas: 2,
            podManagementPolicy: 'Parallel',
            selector: { matchLabels: { app: 'cache' } },
            template: { metadata: { labels: { app: 'cache' } }, spec: pod(ns, 'cache').spec! },
            volumeClaimTemplates: [
              {
                metadata: { name: 'data' },
                spec: {
                  storageClassName: 'px-local-wait',
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '1Gi' } },
                },
              },
            ],
          },
        },
      });
      expect(sts.spec?.template.spec?.schedulerName).toBe('kube-converge');
      const pods = await scheduledPods(kube, ns, 'app=cache', 2);
      for (const p of pods) {
        const name = p.metadata?.name ?? '';
        const claim = await waitClaimBound(kube, ns, `data-${name}`);
        expect(p.spec?.nodeName).toBe(pvNode[claim.spec?.volumeName ?? '']);
        expect(DRIVER_NODES).toContain(p.spec?.nodeName);
        expect(await boundBy(kube, ns, name)).toBe('kube-converge');
      }
    },
  );

  /**
   * preferLocalNodeOnly with the replica node cordoned. A cordoned node counts as storage-offline
   * (contract §6), and a volume whose only replica is offline fails every node at filter step 3 ("no
   * online node holds a replica"), annotation or not. To test step 5 itself, the node's storage is
   * reported online by the storage-status label (an admin cordoned the node, the storage still serves):
   * then only the annotation keeps the pod off the other nodes.
   */
  scenario(
    '6: preferLocalNodeOnly with the replica node cordoned: Pending, FailedScheduling names our reason',
    env,
    async () => {
      const { kube } = env();
      const ns = 's6';
      await kube.createNamespace(ns);
      const replicaNode = 'node-a1';
      await boundVolume(kube, { namespace: ns, claim: 'pinned', replicaNodes: [replicaNode] });
      await kube.labelNode(replicaNode, { 'kube-converge.io/storage-status': 'online' });
      await kube.setUnschedulable(replicaNode, true);
      try {
        // Without the annotation the pod runs elsewhere (its data is remote): and we say so.
        await kube.createPod(pod(ns, 'flexible', { volumes: [claimVolume('pinned')] }));
        const flexible = await waitScheduled(kube, ns, 'flexible');
        expect(flexible.spec?.nodeName).not.toBe(replicaNode);
        const warning = await waitEvent(kube, ns, 'flexible', 'NonOptimumScheduling');
        expect(warning.type).toBe('Warning');
        expect(warning.message).toContain(`(${replicaNode})`);

        const strict = await kube.createPod(
          pod(ns, 'strict', {
            volumes: [claimVolume('pinned')],
            annotations: { 'kube-converge.io/preferLocalNodeOnly': 'true' },
          }),
        );
        expect(strict.spec?.schedulerName).toBe('kube-converge');
        const failed = await waitEvent(kube, ns, 'strict', 'FailedScheduling', (m) =>
          m.includes('no replica of'),
        );
        expect(failed.message).toContain('no replica of pinned on this node');
        // Some time passes and retries happen: still not bound anywhere.
        await sleep(2_000);
        const pending = await kube.pod(ns, 'strict');
        expect(pending.spec?.nodeName ?? '').toBe('');
        expect(podScheduledCondition(pending)).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      } finally {
        await kube.setUnschedulable(replicaNode, false);
      }
      // Uncordoned, the replica node is a candidate again: the waiting pod goes there, and only there.
      const placed = await waitScheduled(kube, ns, 'strict', 60_000);
      expect(placed.spec?.nodeName).toBe(replicaNode);
      await kube.labelNode(replicaNode, { 'kube-converge.io/storage-status': null });
    },
  );
});
