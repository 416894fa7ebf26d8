import { readWorkload, WORKLOAD_KINDS } from '../admission/workload.js';
import { warm } from '../cluster/overlay.js';
import type { ClusterView } from '../cluster/view.js';
import {
  gatherPlacement,
  type PlacementProblem,
  type PlacementSource,
  type StorageNode,
  type Placements,
} from '../placement/index.js';
import { claimNames, resolvePodVolumes } from '../resolution/resolve.js';
import type { ResolvedVolume } from '../resolution/types.js';
import { scorePod, type PodScores, type ScoreScale } from '../scoring/index.js';

const POD_KIND = WORKLOAD_KINDS[0]!;

/** What evaluating a pod needs: the cluster, what counts as managed, where data lives, the scale. */
export interface EvaluateDeps {
  readonly view: ClusterView;
  readonly provisioners: ReadonlySet<string>;
  readonly sources: readonly PlacementSource[];
  readonly scale: ScoreScale;
  /** Per-node reason strings: the `score` command wants them, the extender does not (default off). */
  readonly explain?: boolean;
}

export interface Evaluation {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  /** The pod's annotations (disableHyperconvergence, preferLocalNodeOnly ...). */
  readonly annotations: Readonly<Record<string, string>>;
  readonly volumes: readonly ResolvedVolume[];
  readonly placements: Placements;
  readonly storageNodes: readonly StorageNode[];
  readonly problems: readonly PlacementProblem[];
  readonly scores: PodScores;
  readonly liveReads: number;
}

/**
 * The extender's and the `score` command's one orchestration: resolve the pod's volumes (the same
 * resolution as the webhook, with the one live read per cache miss), ask the placement sources,
 * then score purely.
 */
export async function evaluatePod(
  pod: unknown,
  candidates: readonly string[],
  deps: EvaluateDeps,
): Promise<Evaluation> {
  const w = readWorkload(pod, POD_KIND);
  const namespace = w.namespace ?? 'default';
  // A scheduled pod has a name: its generic ephemeral volumes' claims (`<pod>-<volume>`) exist by now.
  const podName = w.name.endsWith('*') ? undefined : w.name;
  const claims = claimNames(w.volumes, podName);
  const { reader, liveReads } =
    claims.length > 0
      ? await warm(deps.view, { namespace, claims, classes: [] })
      : { reader: deps.view, liveReads: 0 };
  const volumes = resolvePodVolumes(w.volumes, namespace, reader, {
    provisioners: deps.provisioners,
    podName,
  });
  const gathered = await gatherPlacement({ sources: deps.sources, volumes, reader });
  const scores = scorePod(
    {
      podAnnotations: w.annotations,
      volumes,
      placements: gathered.placements,
      storageNodes: gathered.storageNodes,
      candidates,
    },
    { scale: deps.scale, explain: deps.explain ?? false },
  );
  const meta = (pod as { metadata?: { uid?: unknown } }).metadata;
  return {
    namespace,
    name: w.name,
    uid: typeof meta?.uid === 'string' ? meta.uid : undefined,
    annotations: w.annotations,
    volumes,
    placements: gathered.placements,
    storageNodes: gathered.storageNodes,
    problems: gathered.problems,
    scores,
    liveReads,
  };
}
