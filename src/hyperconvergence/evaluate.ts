import type { ClusterReader } from '../cluster/view.js';
import { gatherPlacement, type PlacementProblem, type PlacementSource } from '../placement/index.js';
import { resolvePodVolumes } from '../resolution/resolve.js';
import type { PodVolume } from '../resolution/types.js';
import { classifyConvergence, type Convergence } from './classify.js';
import type { SlimPod } from './pod.js';

export interface ConvergenceDeps {
  /** The cluster cache. Cache only: a gauge is not worth a live API read per pod. */
  readonly reader: ClusterReader;
  readonly provisioners: ReadonlySet<string>;
  readonly sources: readonly PlacementSource[];
  /** A placement source failed for this pod (the next source was asked, as in the extender). */
  readonly onProblem?: (pod: SlimPod, problem: PlacementProblem) => void;
}

/** The pod's claims as the pod volumes resolution reads. */
function podVolumes(pod: SlimPod): PodVolume[] {
  return pod.claims.map((c) => ({ name: c.volume, persistentVolumeClaim: { claimName: c.claim } }));
}

/**
 * A scheduled pod's convergence, through the extender's own path (src/extender/evaluate.ts):
 * resolution of its volumes, then the configured placement sources, then the pure classification.
 */
export function podConvergence(deps: ConvergenceDeps): (pod: SlimPod) => Promise<Convergence | undefined> {
  const options = { provisioners: deps.provisioners };
  return async (pod) => {
    const volumes = resolvePodVolumes(podVolumes(pod), pod.namespace, deps.reader, options);
    const gathered = await gatherPlacement({ sources: deps.sources, volumes, reader: deps.reader });
    for (const problem of gathered.problems) deps.onProblem?.(pod, problem);
    return classifyConvergence(pod.nodeName, volumes, gathered.placements, gathered.storageNodes);
  };
}
