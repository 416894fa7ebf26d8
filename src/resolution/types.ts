import type { SlimPV, SlimPVC, SlimStorageClass } from '../cluster/types.js';

/**
 * The parts of a pod spec resolution reads. Admission objects are untrusted JSON, so every field is
 * optional and `decode` (src/admission/decode.ts) has already checked the shapes it relies on.
 */
export interface PodVolume {
  readonly name?: string;
  readonly persistentVolumeClaim?: { readonly claimName?: string };
  readonly ephemeral?: { readonly volumeClaimTemplate?: { readonly spec?: ClaimSpec } };
  readonly csi?: { readonly driver?: string };
  readonly portworxVolume?: { readonly volumeID?: string };
}

export interface ClaimSpec {
  /** `undefined`/`null`: the default class; `""`: no class. */
  readonly storageClassName?: string | null;
}

/** A StatefulSet `spec.volumeClaimTemplates` entry. */
export interface ClaimTemplate {
  readonly metadata?: { readonly name?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: ClaimSpec;
}

export type VolumeSourceKind =
  'persistentVolumeClaim' | 'ephemeral' | 'csi' | 'portworxVolume' | 'volumeClaimTemplate';

/** How one storage volume of a pod (or a StatefulSet's claim template) resolved. */
export interface ResolvedVolume {
  /** The pod's volume name, or the claim template's name. */
  readonly volume: string;
  readonly source: VolumeSourceKind;
  /** The claim a `persistentVolumeClaim` volume names (in the object's namespace). */
  readonly claim?: { readonly namespace: string; readonly name: string };
  readonly pvc?: SlimPVC;
  readonly pv?: SlimPV;
  readonly storageClass?: SlimStorageClass;
  /** The provisioner / CSI driver; undefined when it could not be determined. */
  readonly provisioner?: string;
  /** The provisioner is in the configured managed list. */
  readonly managed: boolean;
  /** The PVC does not exist (even after the one live read): admitted unchanged with a warning. */
  readonly unknown: boolean;
  /** Human-readable: which rule of contract §2 answered ("PV pv-1: spec.csi.driver"). */
  readonly via: string;
}
