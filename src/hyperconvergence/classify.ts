import type { Placements, StorageNode } from '../placement/types.js';
import type { ResolvedVolume } from '../resolution/types.js';
import { describePodStorage, holdsReplica } from '../scoring/volumes.js';

/**
 * Where a running pod is relative to its data, as Stork's gauges count it:
 * `hyperconverged` — its node holds a replica of every located volume; `partial` — of some;
 * `none` — of none.
 */
export type Convergence = 'hyperconverged' | 'partial' | 'none';

export const CONVERGENCES: readonly Convergence[] = ['hyperconverged', 'partial', 'none'];

/**
 * Classifies a scheduled pod. Pure. `volumes`, `placements` and `storageNodes` come from the same
 * resolution and placement path the extender scores with, so "the extender preferred this node"
 * and "the pod runs hyperconverged" can never disagree about where a replica is.
 *
 * Every located volume counts, whatever scoring made of it: a volume that prefers remote nodes
 * (sharedv4 service) or is marked `skipSchedulerScoring` still has its data where it has it, and
 * the gauge reports facts, not intentions (Stork counts every driver volume too).
 *
 * undefined: the pod has no managed volume whose replicas a placement source knows (nothing to
 * count: no managed storage, a claim not bound yet, a source that knows nothing of the volume).
 */
export function classifyConvergence(
  nodeName: string,
  volumes: readonly ResolvedVolume[],
  placements: Placements,
  storageNodes: readonly StorageNode[],
): Convergence | undefined {
  const storage = describePodStorage({ volumes, placements, storageNodes, candidates: [nodeName] });
  const located = storage.located.filter((volume) => volume.replicaIds.length > 0);
  if (located.length === 0) return undefined;
  const local = located.filter((volume) => holdsReplica(volume, nodeName)).length;
  if (local === located.length) return 'hyperconverged';
  return local > 0 ? 'partial' : 'none';
}
