/**
 * What differs from the e2e cluster (test/e2e/harness/fixtures.ts) when the API server is k3s's.
 *
 * k3s has one real node (the container, with a kubelet) and runs every controller, node lifecycle
 * included. The five fake Nodes of the e2e fixtures are added next to it, unchanged but for two
 * things the node lifecycle controller forces on Nodes without a kubelet:
 * - it marks them NotReady (Unknown) once their heartbeat is older than the grace period, and taints
 *   them not-ready/unreachable: the pods that must land on them tolerate every taint;
 * - NotReady counts as offline storage for kube-converge (contract §6), so they carry the contract's
 *   override `kube-converge.io/storage-status: online`, as a storage operator would set it.
 * The real node runs no Portworx driver (its CSINode lists none): for the extender it is a node to
 * filter out, like node-c1.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { LABEL } from '../../../src/contract/index.js';
import {
  NODES,
  createNodes,
  createStorageClasses,
  pod as e2ePod,
  type NodeSpec,
} from '../../e2e/harness/fixtures.js';
import type { Kube } from '../../e2e/harness/kube.js';
import { until } from '../../e2e/harness/util.js';

export const FAKE_NODES: readonly NodeSpec[] = NODES.map((n) => ({
  ...n,
  labels: { ...n.labels, [LABEL.storageStatus]: 'online' },
}));

/** The fake Nodes with their CSINodes, and the StorageClasses of the e2e suite. */
export async function createFakeCluster(kube: Kube): Promise<void> {
  await createNodes(kube, FAKE_NODES);
  await createStorageClasses(kube);
}

/** The k3s node (the only Node before the fake ones exist). */
export async function realNodeName(kube: Kube): Promise<string> {
  return until('k3s has registered its node', async () => {
    const nodes = (await kube.core.listNode()).items;
    return nodes.length === 1 ? nodes[0]?.metadata?.name : undefined;
  });
}

/** The e2e fixture pod, tolerating every taint (fake Nodes are tainted here, see above). */
export function pod(namespace: string, name: string, opts: Parameters<typeof e2ePod>[2] = {}): V1Pod {
  const p = e2ePod(namespace, name, opts);
  return { ...p, spec: { ...p.spec!, tolerations: [{ operator: 'Exists' }] } };
}

/**
 * A namespace whose pods can be created: k3s runs the ServiceAccount admission plugin, which refuses
 * a pod until the controller has made the namespace's `default` ServiceAccount.
 */
export async function createNamespace(
  kube: Kube,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await kube.createNamespace(name, labels);
  await until(`namespace ${name} has its default ServiceAccount`, async () => {
    await kube.core.readNamespacedServiceAccount({ namespace: name, name: 'default' });
    return true;
  });
}
