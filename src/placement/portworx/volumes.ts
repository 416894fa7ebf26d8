import { ANNOTATION, PORTWORX_IN_TREE_PROVISIONER, annotationKeys } from '../../contract/index.js';
import type { ResolvedVolume } from '../../resolution/types.js';
import type { StorageNode, VolumePlacement } from '../types.js';
import type { SdkVolume, SdkVolumeInspectResponse } from './sdk.js';

export const PORTWORX_SOURCE = 'portworx';

/**
 * The provisioner names whose volumes Portworx holds: the CSI driver, its pre-2.x CSI name, and the
 * in-tree plugin (which CSI migration maps to `pxd.portworx.com`).
 */
export const PORTWORX_PROVISIONERS: ReadonlySet<string> = new Set([
  'pxd.portworx.com',
  'com.openstorage.pxd',
  PORTWORX_IN_TREE_PROVISIONER,
]);

/**
 * The Portworx volume id of a bound volume: the PV's `spec.csi.volumeHandle` (CSI) or
 * `spec.portworxVolume.volumeID` (in-tree). Volumes of other drivers have none: the source leaves
 * them to the next source without asking Portworx.
 */
export function portworxVolumeId(volume: ResolvedVolume): string | undefined {
  const pv = volume.pv;
  if (!pv) return undefined;
  const driver = pv.csiDriver ?? volume.provisioner;
  if (pv.portworxVolumeId) return pv.portworxVolumeId;
  if (pv.csiVolumeHandle && driver !== undefined && PORTWORX_PROVISIONERS.has(driver))
    return pv.csiVolumeHandle;
  return undefined;
}

/**
 * A sharedv4 service volume: served over NFS from one replica node through a Kubernetes Service, so
 * its pods are better elsewhere (scoring.md anti-hyperconvergence). As Stork decides it: `sharedv4`
 * and a `sharedv4_service_spec` — except one whose type says there is no service.
 */
export function isSharedv4Service(volume: SdkVolume | undefined): boolean {
  const spec = volume?.spec;
  if (spec?.sharedv4 !== true || !spec.sharedv4_service_spec) return false;
  return spec.sharedv4_service_spec.type !== 'SHAREDV4_SERVICE_TYPE_NONE';
}

/** Replica node ids across the volume's replica sets, each once, in order. */
export function replicaNodeIds(volume: SdkVolume | undefined): string[] {
  const ids = new Set<string>();
  for (const set of volume?.replica_sets ?? []) for (const id of set.nodes ?? []) ids.add(id);
  return [...ids];
}

/**
 * The key scoring reads for "this volume prefers remote nodes" from a volume's labels (scoring.md:
 * `kube-converge.io/preferRemoteNode` true). Set for sharedv4 service volumes, so the volume's own
 * spec counts even when its StorageClass does not say `sharedv4_svc_type` (a class edited later, a
 * volume converted with `pxctl volume update --sharedv4_service_type`, a statically made PV). A
 * StorageClass `preferRemoteNode: "false"` or a PVC annotation still overrides it.
 */
export const PREFER_REMOTE_LABEL = annotationKeys(ANNOTATION.preferRemoteNode)[0];

/**
 * The placement Portworx gives one volume. Labels, later wins: the spec's `volume_labels`, the
 * locator's `volume_labels`, the inspect answer's `labels`, the anti-hyperconvergence mark, then the
 * PVC's annotations (the user's direct word, as Stork merges them).
 */
export function placementOfPortworx(
  volume: ResolvedVolume,
  answer: SdkVolumeInspectResponse,
  storageNodes: readonly StorageNode[],
): VolumePlacement {
  const px = answer.volume;
  return {
    replicaNodeIds: replicaNodeIds(px),
    labels: {
      ...px?.spec?.volume_labels,
      ...px?.locator?.volume_labels,
      ...answer.labels,
      ...(isSharedv4Service(px) ? { [PREFER_REMOTE_LABEL]: 'true' } : {}),
      ...volume.pvc?.annotations,
    },
    source: PORTWORX_SOURCE,
    storageNodes,
  };
}
