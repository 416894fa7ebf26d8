/**
 * The three live reads of contract §2, each made certain by holding back one watch at the gate: a
 * claim, a claim's bound volume, and a class named by a generic ephemeral volume, each created just
 * before the review that needs it. Each returns the pod volume that needs the read.
 */
import type { V1Volume } from '@kubernetes/client-node';
import { PORTWORX, claimVolume, portworxPV } from '../harness/fixtures.js';
import type { Kube } from '../harness/kube.js';

export interface LiveReadProbe {
  /** The permission the read needs. */
  readonly key: string;
  /** The kind label of kube_converge_cache_live_read_results_total and of the log. */
  readonly kind: string;
  /** The watch to hold back while the object is created. */
  readonly hold: string;
  readonly setUp: (kube: Kube, namespace: string) => Promise<V1Volume>;
}

const claimSpec = (extra: Record<string, unknown>) => ({
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: '1Gi' } },
  ...extra,
});

export const LIVE_READS: readonly LiveReadProbe[] = [
  {
    key: '/persistentvolumeclaims get',
    kind: 'PersistentVolumeClaim',
    hold: '/api/v1/persistentvolumeclaims',
    setUp: async (kube, namespace) => {
      await kube.core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: { metadata: { name: 'lr-claim' }, spec: claimSpec({ storageClassName: 'px-immediate' }) },
      });
      return claimVolume('lr-claim');
    },
  },
  {
    // The claim names no class: only its bound volume (not cached yet) says it is Portworx.
    key: '/persistentvolumes get',
    kind: 'PersistentVolume',
    hold: '/api/v1/persistentvolumes',
    setUp: async (kube, namespace) => {
      await kube.core.createPersistentVolume({
        body: portworxPV('lr-volume', { storageClassName: '', claimRef: { namespace, name: 'lr-bound' } }),
      });
      await kube.core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: {
          metadata: { name: 'lr-bound' },
          spec: claimSpec({ storageClassName: '', volumeName: 'lr-volume' }),
        },
      });
      return claimVolume('lr-bound');
    },
  },
  {
    // A generic ephemeral volume names its class itself: no claim involved. WaitForFirstConsumer keeps
    // the PV controller from annotating anything meanwhile.
    key: 'storage.k8s.io/storageclasses get',
    kind: 'StorageClass',
    hold: '/apis/storage.k8s.io/v1/storageclasses',
    setUp: async (kube) => {
      await kube.storage.createStorageClass({
        body: {
          metadata: { name: 'lr-class' },
          provisioner: PORTWORX,
          volumeBindingMode: 'WaitForFirstConsumer',
        },
      });
      return {
        name: 'scratch',
        ephemeral: { volumeClaimTemplate: { spec: claimSpec({ storageClassName: 'lr-class' }) } },
      };
    },
  },
];
