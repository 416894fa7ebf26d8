import { K8S_ANNOTATION, PORTWORX_IN_TREE_PROVISIONER } from '../contract/index.js';
import type { SlimPV, SlimPVC, SlimStorageClass } from '../cluster/types.js';
import type { ClusterReader } from '../cluster/view.js';
import type { ClaimSpec, ClaimTemplate, PodVolume, ResolvedVolume } from './types.js';

/**
 * Volume resolution, contract §2: pod volume -> provisioner, first answer wins. Pure: reads the
 * cache-only `ClusterReader`, which the edge has already warmed with the one live read per miss.
 */
export interface ResolveOptions {
  /** Provisioner / CSI driver names that count as managed. */
  readonly provisioners: ReadonlySet<string>;
  /**
   * The pod's name, once it has one (the extender sees created pods). A generic ephemeral volume's
   * claim is then `<pod>-<volume>`, and once it exists it resolves like any claim, bound PV included.
   */
  readonly podName?: string;
}

/** The PVC name Kubernetes gives a pod's generic ephemeral volume. */
export function ephemeralClaimName(podName: string, volume: string): string {
  return `${podName}-${volume}`;
}

type Answer = { provisioner?: string; via: string; storageClass?: SlimStorageClass };

/** The provisioner a PV records (contract §2 step 1.1). */
export function provisionerOfPV(pv: SlimPV): Answer | undefined {
  if (pv.csiDriver) return { provisioner: pv.csiDriver, via: `PV ${pv.name}: spec.csi.driver` };
  const by = pv.annotations[K8S_ANNOTATION.provisionedBy];
  if (by) return { provisioner: by, via: `PV ${pv.name}: annotation ${K8S_ANNOTATION.provisionedBy}` };
  if (pv.portworxVolumeId !== undefined) {
    return { provisioner: PORTWORX_IN_TREE_PROVISIONER, via: `PV ${pv.name}: in-tree portworxVolume` };
  }
  return undefined;
}

/** A claim's class: `null`/absent -> the default class, `""` -> none (contract §2 step 1.3). */
export function classOfClaim(
  storageClassName: string | null | undefined,
  reader: ClusterReader,
): { storageClass?: SlimStorageClass; via: string } {
  if (storageClassName === '') return { via: 'storageClassName "" (no class)' };
  if (storageClassName === null || storageClassName === undefined) {
    const def = reader.defaultStorageClass();
    return def
      ? { storageClass: def, via: `default StorageClass ${def.name}` }
      : { via: 'no storageClassName and no default StorageClass' };
  }
  const sc = reader.storageClass(storageClassName);
  return sc
    ? { storageClass: sc, via: `StorageClass ${sc.name}` }
    : { via: `StorageClass ${storageClassName} not found` };
}

function answerFromClass(spec: ClaimSpec | undefined, reader: ClusterReader): Answer {
  const cls = classOfClaim(spec?.storageClassName, reader);
  if (!cls.storageClass) return { via: cls.via };
  return {
    provisioner: cls.storageClass.provisioner,
    storageClass: cls.storageClass,
    via: `${cls.via}: provisioner`,
  };
}

/** Contract §2 step 1: a bound PV, then the PVC's provisioner annotations, then its class. */
export function provisionerOfClaim(pvc: SlimPVC, reader: ClusterReader): Answer & { pv?: SlimPV } {
  const pv = pvc.volumeName ? reader.pv(pvc.volumeName) : undefined;
  const fromPV = pv ? provisionerOfPV(pv) : undefined;
  const cls = classOfClaim(pvc.storageClassName, reader);
  if (fromPV) return { ...fromPV, pv, storageClass: cls.storageClass };
  for (const key of [K8S_ANNOTATION.storageProvisioner, K8S_ANNOTATION.betaStorageProvisioner]) {
    const value = pvc.annotations[key];
    if (value)
      return {
        provisioner: value,
        via: `PVC ${pvc.name}: annotation ${key}`,
        pv,
        storageClass: cls.storageClass,
      };
  }
  if (!cls.storageClass) return { via: `PVC ${pvc.name}: ${cls.via}`, pv };
  return {
    provisioner: cls.storageClass.provisioner,
    storageClass: cls.storageClass,
    via: `PVC ${pvc.name}: ${cls.via}: provisioner`,
    pv,
  };
}

function done(
  base: Pick<ResolvedVolume, 'volume' | 'source'> & Partial<ResolvedVolume>,
  answer: Answer,
  opts: ResolveOptions,
): ResolvedVolume {
  return {
    ...base,
    ...answer,
    managed: answer.provisioner !== undefined && opts.provisioners.has(answer.provisioner),
    unknown: base.unknown ?? false,
  };
}

/** Resolves one pod volume; undefined for volumes that are not storage (emptyDir, configMap ...). */
export function resolvePodVolume(
  vol: PodVolume,
  namespace: string,
  reader: ClusterReader,
  opts: ResolveOptions,
): ResolvedVolume | undefined {
  const volume = vol.name ?? '';
  const claimName = vol.persistentVolumeClaim?.claimName;
  if (vol.persistentVolumeClaim) {
    const claim = { namespace, name: claimName ?? '' };
    const pvc = claimName ? reader.pvc(namespace, claimName) : undefined;
    if (!pvc) {
      return done(
        { volume, source: 'persistentVolumeClaim', claim, unknown: true },
        { via: `PVC ${namespace}/${claim.name} not found` },
        opts,
      );
    }
    return done(
      { volume, source: 'persistentVolumeClaim', claim, pvc },
      provisionerOfClaim(pvc, reader),
      opts,
    );
  }
  if (vol.ephemeral) {
    const claimName = opts.podName ? ephemeralClaimName(opts.podName, volume) : undefined;
    const pvc = claimName ? reader.pvc(namespace, claimName) : undefined;
    if (pvc) {
      const claim = { namespace, name: pvc.name };
      return done({ volume, source: 'ephemeral', claim, pvc }, provisionerOfClaim(pvc, reader), opts);
    }
    const answer = answerFromClass(vol.ephemeral.volumeClaimTemplate?.spec, reader);
    return done({ volume, source: 'ephemeral' }, { ...answer, via: `ephemeral claim: ${answer.via}` }, opts);
  }
  if (vol.csi) {
    const driver = vol.csi.driver;
    return done({ volume, source: 'csi' }, { provisioner: driver, via: 'inline csi.driver' }, opts);
  }
  if (vol.portworxVolume) {
    return done(
      { volume, source: 'portworxVolume' },
      { provisioner: PORTWORX_IN_TREE_PROVISIONER, via: 'in-tree portworxVolume' },
      opts,
    );
  }
  return undefined;
}

/** Resolves every storage volume of a pod spec. */
export function resolvePodVolumes(
  volumes: readonly PodVolume[] | undefined,
  namespace: string,
  reader: ClusterReader,
  opts: ResolveOptions,
): ResolvedVolume[] {
  const out: ResolvedVolume[] = [];
  for (const vol of volumes ?? []) {
    const resolved = resolvePodVolume(vol, namespace, reader, opts);
    if (resolved) out.push(resolved);
  }
  return out;
}

/**
 * Contract §2 step 5: a StatefulSet's claim templates resolve through their class only. Their PVCs
 * do not exist yet when the StatefulSet is admitted, so they are never looked up.
 */
export function resolveClaimTemplates(
  templates: readonly ClaimTemplate[] | undefined,
  reader: ClusterReader,
  opts: ResolveOptions,
): ResolvedVolume[] {
  return (templates ?? []).map((t) => {
    const answer = answerFromClass(t.spec, reader);
    return done(
      { volume: t.metadata?.name ?? '', source: 'volumeClaimTemplate' },
      { ...answer, via: `volumeClaimTemplate: ${answer.via}` },
      opts,
    );
  });
}

/** The claims a pod spec names, for the edge to warm the cache before resolution. */
export function claimNames(volumes: readonly PodVolume[] | undefined, podName?: string): string[] {
  const names = new Set<string>();
  for (const vol of volumes ?? []) {
    const name = vol.persistentVolumeClaim?.claimName;
    if (name) names.add(name);
    if (vol.ephemeral && podName && vol.name) names.add(ephemeralClaimName(podName, vol.name));
  }
  return [...names];
}
