/**
 * The external contract's names, in one place (shared/spec/contract.md §1, §4, §6).
 * The webhook, the extender, the CLI and the chart's documentation all import from here;
 * nothing else spells an annotation or label key.
 */

export const PRODUCT = 'kube-converge';

/** Our annotation / label prefix, and Stork's, which every annotation key is also honoured under. */
export const PREFIX = 'kube-converge.io/';
export const STORK_PREFIX = 'stork.libopenstorage.org/';

export const DEFAULT_SCHEDULER_NAME = 'kube-converge';
/** The name Kubernetes fills in when a pod names no scheduler. */
export const KUBERNETES_DEFAULT_SCHEDULER = 'default-scheduler';

/** Provisioner / CSI driver names that count as managed storage unless configured otherwise. */
export const DEFAULT_PROVISIONERS: readonly string[] = ['pxd.portworx.com', 'kubernetes.io/portworx-volume'];
/** What an in-tree `portworxVolume` source resolves to. */
export const PORTWORX_IN_TREE_PROVISIONER = 'kubernetes.io/portworx-volume';

/** Annotation names without prefix; see `annotationKeys()` for the two spellings. */
export const ANNOTATION = {
  /** Object or pod-template annotation: do not mutate (contract §4). */
  disableAdmissionController: 'disable-admission-controller',
  /** Pod annotation: mutate, but the extender scores every node equally. */
  disableHyperconvergence: 'disableHyperconvergence',
  /** Pod annotation: only nodes holding a replica of every hyperconverged volume pass the filter. */
  preferLocalNodeOnly: 'preferLocalNodeOnly',
  /** PVC annotation: leave this volume out of scoring. */
  skipSchedulerScoring: 'skipSchedulerScoring',
  /** StorageClass parameter or PVC annotation: this volume prefers remote nodes. */
  preferRemoteNode: 'preferRemoteNode',
  /** StorageClass parameter: nodes holding the replicas of an anti-hyperconverged volume fail. */
  preferRemoteNodeOnly: 'preferRemoteNodeOnly',
  /** Written into auditAnnotations: the webhook's decision and its reason. */
  decision: 'decision',
} as const;
export type AnnotationName = (typeof ANNOTATION)[keyof typeof ANNOTATION];

/** Label keys (contract §4, §6). */
export const LABEL = {
  /** Namespace label: excluded by the chart's namespaceSelector. */
  disableAdmissionController: `${PREFIX}disable-admission-controller`,
  /** Node label: `online`, `storage-down` or `offline`, set by storage operators or admins. */
  storageStatus: `${PREFIX}storage-status`,
  region: 'topology.kubernetes.io/region',
  zone: 'topology.kubernetes.io/zone',
  /** Rack: the first present of these, in this order. */
  rack: [`${PREFIX}rack`, 'px/rack', 'topology.rook.io/rack'] as readonly string[],
  hostname: 'kubernetes.io/hostname',
  metadataName: 'kubernetes.io/metadata.name',
} as const;

/** Well-known Kubernetes annotations read during volume resolution (contract §2). */
export const K8S_ANNOTATION = {
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  isDefaultClass: 'storageclass.kubernetes.io/is-default-class',
  betaIsDefaultClass: 'storageclass.beta.kubernetes.io/is-default-class',
  bindCompleted: 'pv.kubernetes.io/bind-completed',
} as const;

/** Portworx StorageClass parameters that make a volume anti-hyperconverged (scoring.md). */
export const PORTWORX_PARAM = {
  sharedv4: 'sharedv4',
  sharedv4ServiceType: 'sharedv4_svc_type',
} as const;

/** Both spellings of an annotation, ours first: a value under our prefix wins over Stork's. */
export function annotationKeys(name: AnnotationName): readonly [string, string] {
  return [`${PREFIX}${name}`, `${STORK_PREFIX}${name}`];
}

/** Events the extender records (scoring issue). */
export const EVENT_REASON = {
  nonOptimumScheduling: 'NonOptimumScheduling',
} as const;

/** Default ports (contract §7). */
export const DEFAULT_PORT = { webhook: 8443, extender: 8099, metrics: 9090 } as const;
