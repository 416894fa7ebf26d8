import type { ClusterReader } from '../cluster/view.js';
import type { ResolvedVolume } from '../resolution/types.js';
import { storageNodesFromCluster } from './cluster-nodes.js';
import {
  isBoundVolume,
  volumeKey,
  type PlacementSource,
  type Placements,
  type StorageNode,
  type VolumePlacement,
} from './types.js';

/** A source that failed; scoring goes on with the next source (Stork likewise falls back). */
export interface PlacementProblem {
  readonly source: string;
  readonly message: string;
}

export interface LocateResult {
  readonly placements: Placements;
  readonly problems: readonly PlacementProblem[];
}

/**
 * Asks the configured sources in order, each for the volumes no earlier source knew (contract §6:
 * the first source that knows a volume answers for it). Sources run one after another on purpose:
 * a later source is only asked about what is still unknown. A source that throws or rejects is
 * recorded as a problem and skipped.
 */
export async function locatePlacements(
  sources: readonly PlacementSource[],
  volumes: readonly ResolvedVolume[],
  reader: ClusterReader,
): Promise<LocateResult> {
  const placements = new Map<string, VolumePlacement>();
  const problems: PlacementProblem[] = [];
  let pending = [...volumes];
  for (const source of sources) {
    if (pending.length === 0) break;
    try {
      const answer = await source.locate(pending, reader);
      for (const volume of pending) {
        const placement = answer.get(volumeKey(volume));
        if (placement) placements.set(volumeKey(volume), placement);
      }
    } catch (err) {
      problems.push({ source: source.name, message: err instanceof Error ? err.message : String(err) });
    }
    pending = pending.filter((volume) => !placements.has(volumeKey(volume)));
  }
  return { placements, problems };
}

/**
 * The storage nodes scoring uses for a pod: the nodes a source reported itself (Portworx answers for
 * itself, contract §6) win; the cluster's view fills in the Kubernetes nodes they do not cover.
 */
export function mergeStorageNodes(
  placements: Placements,
  clusterNodes: readonly StorageNode[],
): StorageNode[] {
  const byId = new Map<string, StorageNode>();
  for (const placement of placements.values()) {
    for (const node of placement.storageNodes ?? []) if (!byId.has(node.id)) byId.set(node.id, node);
  }
  const covered = new Set<string>();
  for (const node of byId.values()) if (node.nodeName) covered.add(node.nodeName);
  const out = [...byId.values()];
  for (const node of clusterNodes) {
    if (!node.nodeName || !covered.has(node.nodeName)) out.push(node);
  }
  return out;
}

export interface GatherRequest {
  readonly sources: readonly PlacementSource[];
  /** Every resolved volume of the pod; only managed, bound ones are located. */
  readonly volumes: readonly ResolvedVolume[];
  readonly reader: ClusterReader;
}

export interface GatheredPlacement extends LocateResult {
  readonly storageNodes: readonly StorageNode[];
}

/**
 * Everything scoring needs besides the pod and the candidates, in one call for the edges (extender,
 * CLI): the placements of the pod's managed, bound volumes and the storage nodes for the drivers its
 * managed volumes use. Async only because a source may be.
 */
export async function gatherPlacement(req: GatherRequest): Promise<GatheredPlacement> {
  const managed = req.volumes.filter((volume) => volume.managed);
  if (managed.length === 0) return { placements: new Map(), problems: [], storageNodes: [] };
  const located = await locatePlacements(req.sources, managed.filter(isBoundVolume), req.reader);
  const drivers = [...new Set(managed.map((volume) => volume.provisioner ?? ''))].filter((d) => d !== '');
  const clusterNodes = storageNodesFromCluster(req.reader, drivers);
  return { ...located, storageNodes: mergeStorageNodes(located.placements, clusterNodes) };
}
