/**
 * A small cluster for the convergence tests, as a real cache (MemoryStore) read through the real
 * resolution and node-labels placement: driver on n1–n3; volume `a` (pv-a) on n1 and n2, `b` (pv-b)
 * on n3; `local` is another provisioner's volume labelled on n1; `later` waits for its first consumer.
 */
import type { SlimObject } from '../../../src/cluster/store.js';
import { MemoryStore } from '../../../src/cluster/store.js';
import { podConvergence } from '../../../src/hyperconvergence/evaluate.js';
import type { SlimPod } from '../../../src/hyperconvergence/pod.js';
import { nodeLabelsSource } from '../../../src/placement/index.js';
import { node, pv, pvc, sc } from '../../support/cluster.js';

export const DRIVER = 'pxd.portworx.com';

const csiNode = (name: string): SlimObject => ({ kind: 'CSINode', obj: { name, drivers: [DRIVER] } });
const replicaNode = (name: string, ...pvs: string[]): SlimObject =>
  node(name, {
    labels: { 'kubernetes.io/hostname': name, ...Object.fromEntries(pvs.map((p) => [p, 'true'])) },
  });
const bound = (claim: string, cls = 'px'): SlimObject[] => [
  pvc('ns', claim, { storageClassName: cls, volumeName: `pv-${claim}`, phase: 'Bound' }),
  pv(`pv-${claim}`, { storageClassName: cls }),
];

export function clusterStore(): MemoryStore {
  return MemoryStore.of([
    sc('px', DRIVER),
    sc('px-wffc', DRIVER, { volumeBindingMode: 'WaitForFirstConsumer' }),
    sc('local', 'rancher.io/local-path'),
    replicaNode('n1', 'pv-a', 'pv-local'),
    replicaNode('n2', 'pv-a'),
    replicaNode('n3', 'pv-b'),
    csiNode('n1'),
    csiNode('n2'),
    csiNode('n3'),
    ...bound('a'),
    ...bound('b'),
    ...bound('local', 'local'),
    pvc('ns', 'later', { storageClassName: 'px-wffc' }),
  ]);
}

export function classifierOver(
  store: MemoryStore,
): (pod: SlimPod) => ReturnType<ReturnType<typeof podConvergence>> {
  return podConvergence({ reader: store, provisioners: new Set([DRIVER]), sources: [nodeLabelsSource()] });
}

export const slim = (
  name: string,
  nodeName: string,
  claims: string[],
  extra: Partial<SlimPod> = {},
): SlimPod => ({
  namespace: 'ns',
  name,
  uid: `uid-${name}`,
  nodeName,
  phase: 'Running',
  schedulerName: 'kube-converge',
  terminating: false,
  claims: claims.map((claim) => ({ volume: `v-${claim}`, claim })),
  ...extra,
});
