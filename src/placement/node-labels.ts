import { parseBool } from '../contract/index.js';
import type { ClusterReader } from '../cluster/view.js';
import type { ResolvedVolume } from '../resolution/types.js';
import { volumeKey, type PlacementSource, type Placements, type VolumePlacement } from './types.js';

export const NODE_LABELS_SOURCE = 'node-labels';

/** The label keys that mark a node as holding `volume`: its PV name and its PVC name. */
function markerKeys(volume: ResolvedVolume): string[] {
  const keys = [volume.pv?.name ?? volume.pvc?.volumeName, volume.claim?.name];
  return keys.filter((key): key is string => key !== undefined && key !== '');
}

/**
 * The seed convention (contract §6): a Node labelled `<PV name>=true` or `<PVC name>=true` holds data
 * of that volume. The replica ids are Kubernetes node names (the cluster's storage-node ids). A
 * volume no node is labelled for is unknown to this source.
 */
export function locateByNodeLabels(volumes: readonly ResolvedVolume[], reader: ClusterReader): Placements {
  const out = new Map<string, VolumePlacement>();
  const wanted = volumes.map((volume) => ({ volume, keys: markerKeys(volume), nodes: [] as string[] }));
  for (const node of reader.nodes()) {
    for (const entry of wanted) {
      if (entry.keys.some((key) => parseBool(node.labels[key]) === true)) entry.nodes.push(node.name);
    }
  }
  for (const { volume, nodes } of wanted) {
    if (nodes.length === 0) continue;
    out.set(volumeKey(volume), {
      replicaNodeIds: nodes,
      labels: volume.pvc?.annotations ?? {},
      source: NODE_LABELS_SOURCE,
    });
  }
  return out;
}

export function nodeLabelsSource(): PlacementSource {
  return { name: NODE_LABELS_SOURCE, locate: locateByNodeLabels };
}
