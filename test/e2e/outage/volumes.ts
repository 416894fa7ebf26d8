/**
 * A claim pre-bound to its PV (claimRef + volumeName) and the replica labels, created without waiting
 * for the PV controller: kube-converge reads `volumeName`, not the claim's phase, and this test runs
 * no kube-controller-manager (after an API server restart it would take its own 10–30 s backoff
 * before binding anything, which is not what is under test).
 */
import { portworxPV, pvNameOf } from '../harness/fixtures.js';
import type { Kube } from '../harness/kube.js';

export interface PreBound {
  readonly namespace: string;
  readonly claim: string;
  readonly storageClass: string;
  readonly driver: string;
  readonly replicaNodes?: readonly string[];
}

/** Returns the PV name. */
export async function preBoundVolume(kube: Kube, v: PreBound): Promise<string> {
  const pv = pvNameOf(v.namespace, v.claim);
  const spec = {
    storageClassName: v.storageClass,
    claimRef: { namespace: v.namespace, name: v.claim },
    csi: { driver: v.driver, volumeHandle: `vol-${pv}` },
  };
  await kube.core.createPersistentVolume({
    body: {
      ...portworxPV(pv, spec),
      metadata: { name: pv, annotations: { 'pv.kubernetes.io/provisioned-by': v.driver } },
    },
  });
  await kube.core.createNamespacedPersistentVolumeClaim({
    namespace: v.namespace,
    body: {
      metadata: { name: v.claim },
      spec: {
        storageClassName: v.storageClass,
        volumeName: pv,
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
    },
  });
  for (const node of v.replicaNodes ?? []) await kube.labelNode(node, { [pv]: 'true' });
  return pv;
}
