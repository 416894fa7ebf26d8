import { ANNOTATION, PORTWORX_PARAM, annotationBool, parameterBool, parseBool } from '../contract/index.js';
import type { Labels } from '../cluster/types.js';
import {
  isBoundVolume,
  volumeDisplayName,
  volumeKey,
  type StorageNode,
  type StorageStatus,
  type VolumePlacement,
} from '../placement/types.js';
import type { ResolvedVolume } from '../resolution/types.js';
import type { ScoringInput } from './types.js';

/** A managed, bound volume whose placement a source knows, with what scoring needs of it. */
export interface LocatedVolume {
  readonly key: string;
  /** For reasons: the claim name. */
  readonly name: string;
  /** Replica ids as the source reported them. */
  readonly replicaIds: readonly string[];
  /** Those replicas' storage nodes (ids no storage node has are dropped). */
  readonly replicas: readonly StorageNode[];
  /** Prefers remote nodes: left out of the locality table (scoring.md anti-hyperconvergence). */
  readonly antiHyperconverged: boolean;
  /** Anti-hyperconverged and `preferRemoteNodeOnly`: its replica nodes fail the filter. */
  readonly remoteOnly: boolean;
  /** PVC annotation `skipSchedulerScoring`: not scored (the filter still honours its replicas, as Stork). */
  readonly skipped: boolean;
}

/** The pod's storage, classified once for both filter and prioritize. */
export interface PodStorage {
  /** The pod has at least one managed volume. */
  readonly managed: boolean;
  /** The first managed claim Pending in an Immediate class (scoring.md filter step 2). */
  readonly waitingFor?: { readonly namespace: string; readonly name: string };
  readonly located: readonly LocatedVolume[];
  readonly disableHyperconvergence: boolean;
  readonly preferLocalNodeOnly: boolean;
  /** The storage node of each Kubernetes node (only driver nodes have one). */
  readonly nodeByName: ReadonlyMap<string, StorageNode>;
}

const STATUS_RANK: Readonly<Record<StorageStatus, number>> = { online: 0, 'storage-down': 1, offline: 2 };

/** Kubernetes node -> storage node. A storage system may list a node twice (a stale offline entry): the healthiest wins. */
export function indexByNodeName(nodes: readonly StorageNode[]): Map<string, StorageNode> {
  const out = new Map<string, StorageNode>();
  for (const node of nodes) {
    if (!node.nodeName) continue;
    const seen = out.get(node.nodeName);
    if (!seen || STATUS_RANK[node.status] < STATUS_RANK[seen.status]) out.set(node.nodeName, node);
  }
  return out;
}

/** Portworx sharedv4 service volumes are served over NFS from a replica node: better run elsewhere. */
function isSharedv4Service(params: Labels): boolean {
  return (
    parseBool(params[PORTWORX_PARAM.sharedv4]) === true &&
    (params[PORTWORX_PARAM.sharedv4ServiceType] ?? '') !== ''
  );
}

/** scoring.md: `preferRemoteNode` not false in the class, and the volume needs it. */
function prefersRemoteNodes(params: Labels, labels: Labels): boolean {
  const fromClass = parameterBool(params, ANNOTATION.preferRemoteNode);
  if (fromClass === false) return false;
  return (
    fromClass === true ||
    isSharedv4Service(params) ||
    annotationBool(labels, ANNOTATION.preferRemoteNode) === true
  );
}

/** A claim that cannot bind until the pod is placed must not hold the pod back (scoring.md step 2). */
function waitsForImmediateBinding(volume: ResolvedVolume): boolean {
  if (!volume.managed || !volume.pvc || isBoundVolume(volume)) return false;
  return volume.storageClass?.volumeBindingMode !== 'WaitForFirstConsumer';
}

function locate(
  volume: ResolvedVolume,
  placement: VolumePlacement,
  nodesById: (list: readonly StorageNode[]) => ReadonlyMap<string, StorageNode>,
  clusterNodes: readonly StorageNode[],
): LocatedVolume {
  const ids = nodesById(placement.storageNodes ?? clusterNodes);
  const replicas = placement.replicaNodeIds.flatMap((id) => ids.get(id) ?? []);
  // The PVC's own annotations are the user's direct word: they win over the storage system's labels.
  const labels = { ...placement.labels, ...volume.pvc?.annotations };
  const params = volume.storageClass?.parameters ?? {};
  const anti = prefersRemoteNodes(params, labels);
  return {
    key: volumeKey(volume),
    name: volumeDisplayName(volume),
    replicaIds: placement.replicaNodeIds,
    replicas,
    antiHyperconverged: anti,
    remoteOnly: anti && parameterBool(params, ANNOTATION.preferRemoteNodeOnly) === true,
    skipped: annotationBool(labels, ANNOTATION.skipSchedulerScoring) === true,
  };
}

/** Memoises the id index of each storage-node list (a source passes the same list for every volume). */
function idIndexer(): (list: readonly StorageNode[]) => ReadonlyMap<string, StorageNode> {
  const cache = new Map<readonly StorageNode[], Map<string, StorageNode>>();
  return (list) => {
    let index = cache.get(list);
    if (!index) {
      index = new Map(list.map((node) => [node.id, node]));
      cache.set(list, index);
    }
    return index;
  };
}

export function describePodStorage(input: ScoringInput): PodStorage {
  const managed = input.volumes.filter((volume) => volume.managed);
  const waiting = managed.find(waitsForImmediateBinding);
  const nodesById = idIndexer();
  const located: LocatedVolume[] = [];
  for (const volume of managed) {
    const placement = isBoundVolume(volume) ? input.placements.get(volumeKey(volume)) : undefined;
    if (placement) located.push(locate(volume, placement, nodesById, input.storageNodes));
  }
  return {
    managed: managed.length > 0,
    waitingFor: waiting?.claim,
    located,
    disableHyperconvergence:
      annotationBool(input.podAnnotations, ANNOTATION.disableHyperconvergence) === true,
    preferLocalNodeOnly: annotationBool(input.podAnnotations, ANNOTATION.preferLocalNodeOnly) === true,
    nodeByName: indexByNodeName(input.storageNodes),
  };
}

/** Whether Kubernetes node `node` holds a replica of `volume` (whatever that replica's health). */
export function holdsReplica(volume: LocatedVolume, node: string): boolean {
  return volume.replicas.some((replica) => replica.nodeName === node);
}
