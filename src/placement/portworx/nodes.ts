import { LABEL } from '../../contract/index.js';
import type { SlimNode } from '../../cluster/types.js';
import { storageStatusOf, topologyOf } from '../cluster-nodes.js';
import type { StorageNode } from '../types.js';
import type { SdkStorageNode, StringMap } from './sdk.js';
import { storageStatusOfSdk, worseStatus } from './status.js';

/** How a Portworx node was tied to a Kubernetes node. */
export type MatchedBy = 'scheduler-name' | 'hostname' | 'ip';

export interface NodeMatch {
  readonly node: SlimNode;
  readonly by: MatchedBy;
}

/**
 * Portworx node id -> the Kubernetes node it runs on: by `scheduler_node_name` (Portworx's own record
 * of the Kubernetes name), then by `hostname` (against the node's Hostname address or its name,
 * case-insensitively: Kubernetes lowercases names, as Stork notes), then by `mgmt_ip` / `data_ip`
 * (against the node's InternalIPs). A Portworx node matching none has no Kubernetes node.
 */
export function matchKubernetesNodes(
  pxNodes: readonly SdkStorageNode[],
  k8sNodes: Iterable<SlimNode>,
): Map<string, NodeMatch> {
  const byName = new Map<string, SlimNode>();
  const byHost = new Map<string, SlimNode>();
  const byIp = new Map<string, SlimNode>();
  for (const node of k8sNodes) {
    byName.set(node.name, node);
    const host = node.hostname ?? node.labels[LABEL.hostname];
    if (host) byHost.set(host.toLowerCase(), node);
    for (const ip of node.internalIPs) byIp.set(ip, node);
  }
  const out = new Map<string, NodeMatch>();
  for (const px of pxNodes) {
    const match = matchOne(px, byName, byHost, byIp);
    if (px.id !== undefined && match) out.set(px.id, match);
  }
  return out;
}

function matchOne(
  px: SdkStorageNode,
  byName: ReadonlyMap<string, SlimNode>,
  byHost: ReadonlyMap<string, SlimNode>,
  byIp: ReadonlyMap<string, SlimNode>,
): NodeMatch | undefined {
  const scheduled = px.scheduler_node_name ? byName.get(px.scheduler_node_name) : undefined;
  if (scheduled) return { node: scheduled, by: 'scheduler-name' };
  const host = px.hostname?.toLowerCase();
  const hosted = host === undefined ? undefined : (byHost.get(host) ?? byName.get(host));
  if (hosted) return { node: hosted, by: 'hostname' };
  for (const ip of [px.mgmt_ip, px.data_ip]) {
    const addressed = ip === undefined ? undefined : byIp.get(ip);
    if (addressed) return { node: addressed, by: 'ip' };
  }
  return undefined;
}

/**
 * Topology label keys read from a Portworx node's `node_labels`, first present wins: the contract's
 * keys (§6) and Portworx's own `topology.portworx.io/*` spellings. The 0.69.1 definition has no
 * dedicated topology field on a node.
 */
export const PX_TOPOLOGY_KEYS = {
  region: [LABEL.region, 'topology.portworx.io/region'],
  zone: [LABEL.zone, 'topology.portworx.io/zone'],
  rack: [...LABEL.rack, 'topology.portworx.io/rack'],
} as const;

function first(labels: StringMap | undefined, keys: readonly string[]): string | undefined {
  if (!labels) return undefined;
  for (const key of keys) {
    const value = labels[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/**
 * One Portworx node as a storage node. Health: the Portworx status (status.ts), made worse by the
 * Kubernetes node's own state (NotReady or cordoned counts as offline, contract §6), unless the node
 * carries the `kube-converge.io/storage-status` override label, which wins. Topology: Portworx's node
 * labels, each level falling back to the Kubernetes node's topology labels.
 */
export function storageNodeOfPortworx(px: SdkStorageNode & { id: string }, match?: NodeMatch): StorageNode {
  const own = storageStatusOfSdk(px.status);
  const k8s = match?.node;
  const overridden = k8s !== undefined && k8s.labels[LABEL.storageStatus] !== undefined;
  const fromK8s = k8s ? storageStatusOf(k8s) : undefined;
  const status = fromK8s === undefined ? own : overridden ? fromK8s : worseStatus(own, fromK8s);
  const fallback = k8s ? topologyOf(k8s) : {};
  return {
    id: px.id,
    nodeName: k8s?.name,
    status,
    region: first(px.node_labels, PX_TOPOLOGY_KEYS.region) ?? fallback.region,
    zone: first(px.node_labels, PX_TOPOLOGY_KEYS.zone) ?? fallback.zone,
    rack: first(px.node_labels, PX_TOPOLOGY_KEYS.rack) ?? fallback.rack,
  };
}

/** Every Portworx node as a storage node, tied to its Kubernetes node where one matches. */
export function storageNodesOfPortworx(
  pxNodes: readonly SdkStorageNode[],
  k8sNodes: Iterable<SlimNode>,
): StorageNode[] {
  const matches = matchKubernetesNodes(pxNodes, k8sNodes);
  const out: StorageNode[] = [];
  for (const px of pxNodes) {
    if (px.id !== undefined) out.push(storageNodeOfPortworx({ ...px, id: px.id }, matches.get(px.id)));
  }
  return out;
}
