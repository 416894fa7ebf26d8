/**
 * Slim copies of the cluster objects kube-converge reads: only the fields resolution, placement and
 * scoring use. Informers keep these instead of whole typed objects (~7x less memory, see
 * shared/guides/performance.md); the state-file view produces the same shapes, so the core cannot
 * tell its two sources apart.
 */

export type Labels = Readonly<Record<string, string>>;

/** One `nodeSelectorTerms` entry of a PV's required node affinity (terms are ORed, requirements ANDed). */
export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values: readonly string[];
}
export interface NodeSelectorTerm {
  readonly matchExpressions: readonly NodeSelectorRequirement[];
  /** Field selectors; only `metadata.name` exists for nodes. */
  readonly matchFields: readonly NodeSelectorRequirement[];
}

export interface SlimNode {
  readonly name: string;
  readonly labels: Labels;
  /** `spec.unschedulable` (cordoned). */
  readonly unschedulable: boolean;
  /** The Ready condition is True. A node with no Ready condition counts as not ready. */
  readonly ready: boolean;
  /** status.addresses of type InternalIP. */
  readonly internalIPs: readonly string[];
  /** status.addresses of type Hostname (falls back to the hostname label when absent). */
  readonly hostname?: string;
}

export interface SlimNamespace {
  readonly name: string;
  readonly labels: Labels;
}

export interface SlimPVC {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly annotations: Labels;
  /** `null`: the field is absent (use the default class); `""`: explicitly no class. */
  readonly storageClassName: string | null;
  /** spec.volumeName, '' when unbound. */
  readonly volumeName: string;
  /** status.phase: Pending, Bound or Lost ('' when the status is absent). */
  readonly phase: string;
}

export interface SlimPV {
  readonly name: string;
  readonly annotations: Labels;
  readonly labels: Labels;
  /** spec.csi.driver when the PV is a CSI volume. */
  readonly csiDriver?: string;
  /** spec.csi.volumeHandle (the storage system's volume id for CSI volumes). */
  readonly csiVolumeHandle?: string;
  /** spec.portworxVolume.volumeID when the PV uses the in-tree Portworx source. */
  readonly portworxVolumeId?: string;
  readonly storageClassName: string;
  readonly claimRef?: { readonly namespace: string; readonly name: string };
  /** spec.nodeAffinity.required.nodeSelectorTerms; undefined when the PV has none. */
  readonly nodeAffinity?: readonly NodeSelectorTerm[];
}

export interface SlimStorageClass {
  readonly name: string;
  readonly provisioner: string;
  readonly parameters: Labels;
  readonly volumeBindingMode: 'Immediate' | 'WaitForFirstConsumer';
  /** Annotated `storageclass.kubernetes.io/is-default-class: "true"` (or the beta key). */
  readonly isDefault: boolean;
  /** metadata.creationTimestamp as an ISO string; newest default class wins, as in Kubernetes. */
  readonly creationTimestamp: string;
}

export interface SlimCSINode {
  readonly name: string;
  /** spec.drivers[].name */
  readonly drivers: readonly string[];
}

/** What each kind is keyed by in a view. */
export type ObjectKind =
  'Node' | 'Namespace' | 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass' | 'CSINode';
