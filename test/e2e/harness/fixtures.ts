/**
 * The cluster the scenarios run on: fake Nodes (status set in the POST body: allocatable cpu, memory and
 * pods, Ready=True, no taints), CSINodes naming the Portworx driver on the storage nodes, StorageClasses,
 * pre-created PVs and claims, and pods that only need to be scheduled (no kubelet ever runs them).
 */
import type { V1Node, V1PersistentVolume, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { Kube } from './kube.js';
import { waitClaimBound } from './kube.js';

export const PORTWORX = 'pxd.portworx.com';
/** A CSI driver kube-converge does not manage (not in its provisioners list). */
export const NOT_MANAGED = 'csi.not-managed.example.com';

export interface NodeSpec {
  readonly name: string;
  readonly region: string;
  readonly zone: string;
  readonly rack?: string;
  /** Runs the Portworx CSI driver (its CSINode lists it). */
  readonly driver: boolean;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Five workers: four Portworx nodes over two zones and two racks per zone, and one without the driver.
 * Racks repeat across zones on purpose: locality keys nest (scoring.md), equal rack names in different
 * zones must not match.
 */
export const NODES: readonly NodeSpec[] = [
  { name: 'node-a1', region: 'eu', zone: 'eu-a', rack: 'rack-1', driver: true },
  { name: 'node-a2', region: 'eu', zone: 'eu-a', rack: 'rack-2', driver: true },
  { name: 'node-b1', region: 'eu', zone: 'eu-b', rack: 'rack-1', driver: true },
  { name: 'node-b2', region: 'eu', zone: 'eu-b', rack: 'rack-2', driver: true },
  { name: 'node-c1', region: 'eu', zone: 'eu-c', driver: false },
];
export const NODE_NAMES: readonly string[] = NODES.map((n) => n.name);
export const DRIVER_NODES: readonly string[] = NODES.filter((n) => n.driver).map((n) => n.name);

/** A Node as a kubelet would have registered it (created with its status: allowed on create). */
export function fakeNode(spec: NodeSpec, index: number): V1Node {
  const now = new Date();
  const resources = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '200Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/region': spec.region,
        'topology.kubernetes.io/zone': spec.zone,
        ...(spec.rack ? { 'kube-converge.io/rack': spec.rack } : {}),
        ...spec.labels,
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'fake node (no kubelet)',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      addresses: [
        { type: 'InternalIP', address: `10.1.0.${index + 1}` },
        { type: 'Hostname', address: spec.name },
      ],
    },
  };
}

export async function createNodes(kube: Kube, nodes: readonly NodeSpec[] = NODES): Promise<void> {
  for (const [i, spec] of nodes.entries()) {
    await kube.core.createNode({ body: fakeNode(spec, i) });
    await kube.storage.createCSINode({
      body: {
        metadata: { name: spec.name },
        spec: { drivers: spec.driver ? [{ name: PORTWORX, nodeID: spec.name, topologyKeys: [] }] : [] },
      },
    });
  }
}

/** Portworx classes (Immediate and WaitForFirstConsumer) and one kube-converge does not manage. */
export const CLASSES = {
  px: 'px-immediate',
  pxWait: 'px-wait',
  other: 'other-storage',
} as const;

export async function createStorageClasses(kube: Kube): Promise<void> {
  const classes: Array<[string, string, string]> = [
    [CLASSES.px, PORTWORX, 'Immediate'],
    [CLASSES.pxWait, PORTWORX, 'WaitForFirstConsumer'],
    [CLASSES.other, NOT_MANAGED, 'Immediate'],
  ];
  for (const [name, provisioner, volumeBindingMode] of classes) {
    await kube.storage.createStorageClass({
      body: { metadata: { name }, provisioner, volumeBindingMode, parameters: { repl: '2' } },
    });
  }
}

/** The standard cluster: NODES with their CSINodes, and the StorageClasses. */
export async function createCluster(kube: Kube): Promise<void> {
  await createNodes(kube);
  await createStorageClasses(kube);
}

export interface VolumeSpec {
  readonly namespace: string;
  /** The claim's name; the PV is `pv-<namespace>-<claim>`. */
  readonly claim: string;
  readonly storageClass?: string;
  readonly size?: string;
  /** Nodes labelled `<pv name>=true` (the node-labels placement source). */
  readonly replicaNodes?: readonly string[];
  /** A PV the claim is pre-bound to (claimRef + volumeName); false: the claim is left to the PV controller. */
  readonly preBound?: boolean;
  /** The CSI driver of the PV (default Portworx). */
  readonly driver?: string;
  readonly claimAnnotations?: Readonly<Record<string, string>>;
}

export const pvNameOf = (namespace: string, claim: string): string => `pv-${namespace}-${claim}`;

/** A PV like the Portworx CSI driver provisions them (no node affinity: its data is replicated). */
export function portworxPV(
  name: string,
  opts: Partial<V1PersistentVolume['spec']> & { size?: string } = {},
): V1PersistentVolume {
  const { size, ...spec } = opts;
  return {
    metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': PORTWORX } },
    spec: {
      capacity: { storage: size ?? '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: CLASSES.px,
      csi: { driver: PORTWORX, volumeHandle: `vol-${name}` },
      ...spec,
    },
  };
}

/**
 * A claim bound to its own PV, both created here (the PV pre-bound by claimRef, the claim by
 * volumeName), and waited on until the PV controller has finished the binding. The replica nodes are
 * labelled `<pv>=true`. Returns the PV name.
 */
export async function boundVolume(kube: Kube, spec: VolumeSpec): Promise<string> {
  const pv = pvNameOf(spec.namespace, spec.claim);
  const storageClassName = spec.storageClass ?? CLASSES.px;
  const size = spec.size ?? '1Gi';
  const driver = spec.driver ?? PORTWORX;
  await kube.core.createPersistentVolume({
    body: {
      ...portworxPV(pv, {
        size,
        storageClassName,
        claimRef: { namespace: spec.namespace, name: spec.claim },
        csi: { driver, volumeHandle: `vol-${pv}` },
      }),
      metadata: { name: pv, annotations: { 'pv.kubernetes.io/provisioned-by': driver } },
    },
  });
  await kube.core.createNamespacedPersistentVolumeClaim({
    namespace: spec.namespace,
    body: {
      metadata: { name: spec.claim, annotations: { ...spec.claimAnnotations } },
      spec: {
        storageClassName,
        volumeName: pv,
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: size } },
      },
    },
  });
  for (const node of spec.replicaNodes ?? []) await kube.labelNode(node, { [pv]: 'true' });
  await waitClaimBound(kube, spec.namespace, spec.claim);
  return pv;
}

export const claimVolume = (claim: string, name = 'data'): V1Volume => ({
  name,
  persistentVolumeClaim: { claimName: claim },
});

/** A pod that only needs scheduling: no kubelet runs it, the image is never pulled. */
export function pod(
  namespace: string,
  name: string,
  opts: {
    volumes?: V1Volume[];
    schedulerName?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  } = {},
): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, annotations: opts.annotations, labels: opts.labels },
    spec: {
      ...(opts.schedulerName !== undefined ? { schedulerName: opts.schedulerName } : {}),
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
      volumes: opts.volumes ?? [],
    },
  };
}
