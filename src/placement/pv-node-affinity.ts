import type { ClusterReader } from '../cluster/view.js';
import type { ResolvedVolume } from '../resolution/types.js';
import { nodeSelectorMatches } from './node-selector.js';
import { volumeKey, type PlacementSource, type Placements, type VolumePlacement } from './types.js';

export const PV_NODE_AFFINITY_SOURCE = 'pv-node-affinity';

/**
 * Local, LVM and ZFS volumes (contract §6): the nodes satisfying `pv.spec.nodeAffinity.required` hold
 * the data. A PV with required affinity is known to this source even when no current node satisfies
 * it (its node is gone): it then has no replica. A PV without affinity is unknown here.
 */
export function locateByPVNodeAffinity(
  volumes: readonly ResolvedVolume[],
  reader: ClusterReader,
): Placements {
  const out = new Map<string, VolumePlacement>();
  const wanted = volumes.filter((volume) => (volume.pv?.nodeAffinity?.length ?? 0) > 0);
  if (wanted.length === 0) return out;
  const nodes = [...reader.nodes()];
  for (const volume of wanted) {
    const terms = volume.pv?.nodeAffinity ?? [];
    out.set(volumeKey(volume), {
      replicaNodeIds: nodes.filter((node) => nodeSelectorMatches(terms, node)).map((node) => node.name),
      labels: volume.pvc?.annotations ?? {},
      source: PV_NODE_AFFINITY_SOURCE,
    });
  }
  return out;
}

export function pvNodeAffinitySource(): PlacementSource {
  return { name: PV_NODE_AFFINITY_SOURCE, locate: locateByPVNodeAffinity };
}
