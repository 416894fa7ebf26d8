import { LABEL, PORTWORX_IN_TREE_PROVISIONER } from '../contract/index.js';
import type { SlimNode } from '../cluster/types.js';
import type { ClusterReader } from '../cluster/view.js';
import type { StorageNode, StorageStatus } from './types.js';

/**
 * In-tree provisioners whose nodes register under a CSI driver name: Kubernetes' CSI migration maps
 * them (k8s.io/csi-translation-lib, plugins/portworx.go), and CSINode only ever lists the CSI name.
 */
const CSI_NAME_OF_IN_TREE: Readonly<Record<string, string>> = {
  [PORTWORX_IN_TREE_PROVISIONER]: 'pxd.portworx.com',
};

/** The name a driver appears under in CSINode objects. */
export function csiDriverName(provisioner: string): string {
  return CSI_NAME_OF_IN_TREE[provisioner] ?? provisioner;
}

/**
 * Names of the Nodes that run `driver` (contract §6): those whose CSINode lists it when any CSINode
 * lists it (the driver is deployed and registers), else every Node (a driver that does not register
 * through CSINode, or a cluster without CSINode data, must not lock every pod out).
 */
export function driverNodeNames(reader: ClusterReader, driver: string): Set<string> {
  const csiName = csiDriverName(driver);
  const listed = new Set<string>();
  for (const csiNode of reader.csiNodes()) {
    if (csiNode.drivers.includes(csiName)) listed.add(csiNode.name);
  }
  const out = new Set<string>();
  for (const node of reader.nodes()) {
    if (listed.size === 0 || listed.has(node.name)) out.add(node.name);
  }
  return out;
}

const STATUS_OVERRIDES: ReadonlySet<string> = new Set<StorageStatus>(['online', 'storage-down', 'offline']);

/**
 * The storage status of a driver node: NotReady or cordoned counts as offline (nothing new will start
 * there); the node label `kube-converge.io/storage-status` overrides, for storage operators or admins
 * who know better (contract §6). An unrecognised label value is ignored.
 */
export function storageStatusOf(node: SlimNode): StorageStatus {
  const label = node.labels[LABEL.storageStatus]?.trim().toLowerCase();
  if (label !== undefined && STATUS_OVERRIDES.has(label)) return label as StorageStatus;
  return node.ready && !node.unschedulable ? 'online' : 'offline';
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Region, zone and rack from the Node's topology labels; rack is the first present of LABEL.rack. */
export function topologyOf(node: SlimNode): Pick<StorageNode, 'region' | 'zone' | 'rack'> {
  const rackKey = LABEL.rack.find((key) => present(node.labels[key]) !== undefined);
  return {
    region: present(node.labels[LABEL.region]),
    zone: present(node.labels[LABEL.zone]),
    rack: rackKey === undefined ? undefined : node.labels[rackKey],
  };
}

/** A cluster-derived storage node: its id is the Kubernetes node name. */
export function storageNodeOf(node: SlimNode): StorageNode {
  return { id: node.name, nodeName: node.name, status: storageStatusOf(node), ...topologyOf(node) };
}

/**
 * The storage nodes the cluster itself reveals for `drivers`: every Node that runs each of them
 * (a pod whose volumes use two drivers needs a node running both). Pure: reads the cache only.
 */
export function storageNodesFromCluster(
  reader: ClusterReader,
  drivers: string | readonly string[],
): StorageNode[] {
  const list = typeof drivers === 'string' ? [drivers] : drivers;
  if (list.length === 0) return [];
  const sets = list.map((driver) => driverNodeNames(reader, driver));
  const out: StorageNode[] = [];
  for (const node of reader.nodes()) {
    if (sets.every((set) => set.has(node.name))) out.push(storageNodeOf(node));
  }
  return out;
}
