import type { Labels } from '../cluster/types.js';
import type { ClusterReader } from '../cluster/view.js';
import type { ResolvedVolume } from '../resolution/types.js';

/** A storage node's health as scoring sees it (scoring.md "Inputs"). */
export type StorageStatus = 'online' | 'storage-down' | 'offline';

/**
 * A node of the storage system. `id` is unique within the source that reported it: the Kubernetes
 * node name for cluster-derived nodes, the storage system's own id for Portworx. `nodeName` links it
 * to the Kubernetes node (absent for storage nodes Kubernetes does not schedule on; they still give
 * their replicas rack/zone/region locality).
 */
export interface StorageNode {
  readonly id: string;
  readonly nodeName?: string;
  readonly status: StorageStatus;
  readonly region?: string;
  readonly zone?: string;
  readonly rack?: string;
}

/** Where one volume's data lives, as one placement source answered. */
export interface VolumePlacement {
  /** Storage node ids holding a replica, in `storageNodes`' id space (or the cluster's). */
  readonly replicaNodeIds: readonly string[];
  /** The PVC's annotations, plus the storage system's own volume labels when the source has them. */
  readonly labels: Labels;
  /** The source that answered, for explanations. */
  readonly source: string;
  /**
   * The storage nodes the replica ids refer to, when the source knows its own nodes (Portworx).
   * Absent: the ids are Kubernetes node names and the cluster's storage nodes apply.
   */
  readonly storageNodes?: readonly StorageNode[];
}

/** Placements by `volumeKey`. A volume no source knows is absent. */
export type Placements = ReadonlyMap<string, VolumePlacement>;

/**
 * A placement source (contract §6). Sources are asked in the configured order, each only for the
 * volumes the earlier ones did not know: "the first source that knows a volume answers for it".
 *
 * `locate` may be asynchronous: that is the edge's one I/O step (the Portworx source talks HTTP to
 * the SDK gateway there). Everything after it — filter and prioritize — is pure and gets the
 * answers as plain data. Sources read the cluster through the per-request `reader` (the warmed
 * cache), never through their own clients. A source answers only for volumes it knows; an unknown
 * volume is simply left out of the map. A source that fails may throw (an `Error`): the combinator
 * records the problem and asks the next source.
 */
export interface PlacementSource {
  readonly name: string;
  locate(volumes: readonly ResolvedVolume[], reader: ClusterReader): Placements | Promise<Placements>;
}

/** The key a volume's placement is stored under: the pod volume name, unique within a pod. */
export function volumeKey(volume: ResolvedVolume): string {
  return volume.volume;
}

/** A managed claim that is bound (or being bound) to a PV: the only volumes with a placement. */
export function isBoundVolume(volume: ResolvedVolume): boolean {
  const pvc = volume.pvc;
  if (!pvc) return false;
  return pvc.volumeName !== '' || pvc.phase === 'Bound';
}

/** The name a volume is called in reasons and explanations: its claim, else its pod volume. */
export function volumeDisplayName(volume: ResolvedVolume): string {
  return volume.claim?.name || volume.volume;
}
