/**
 * Builds Stork-style scenarios as a real cluster cache (MemoryStore) and runs the whole pure path:
 * resolution -> placement (node-labels source) -> scorePod. Replicas are marked with the seed's
 * `<PV name>=true` node labels; storage status with the `kube-converge.io/storage-status` label.
 */
import { LABEL, PREFIX } from '../../../src/contract/index.js';
import type { SlimObject } from '../../../src/cluster/store.js';
import { MemoryStore } from '../../../src/cluster/store.js';
import { gatherPlacement, nodeLabelsSource, type StorageStatus } from '../../../src/placement/index.js';
import { resolvePodVolumes } from '../../../src/resolution/resolve.js';
import type { PodVolume } from '../../../src/resolution/types.js';
import { scorePod, type PodScores, type ScoreScale } from '../../../src/scoring/index.js';

export const DRIVER = 'pxd.portworx.com';
export const NAMESPACE = 'default';

/** [name, rack, zone, region]; '' means the label is absent. */
export type NodeSpec = readonly [string, string?, string?, string?];

export interface VolumeSpec {
  readonly name: string;
  /** Node names holding a replica. */
  readonly replicas?: readonly string[];
  /** `pending` claims have no PV. */
  readonly phase?: 'Bound' | 'Pending';
  readonly bindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  readonly params?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** Provisioner of the class; defaults to the managed DRIVER. */
  readonly provisioner?: string;
}

export interface Scenario {
  readonly nodes: readonly NodeSpec[];
  readonly volumes: readonly VolumeSpec[];
  /** Storage status per node (default online). */
  readonly status?: Readonly<Record<string, StorageStatus>>;
  /** Nodes that do not run the driver (no CSINode entry). */
  readonly nonDriver?: readonly string[];
  /** Defaults to every node, in order. */
  readonly candidates?: readonly string[];
  readonly podAnnotations?: Record<string, string>;
}

/** Stork's annotation spellings, to show they are honoured unchanged. */
export const STORK = {
  skip: 'stork.libopenstorage.org/skipSchedulerScoring',
  preferLocalNodeOnly: 'stork.libopenstorage.org/preferLocalNodeOnly',
  disableHyperconvergence: 'stork.libopenstorage.org/disableHyperconvergence',
  preferRemoteNode: 'stork.libopenstorage.org/preferRemoteNode',
  preferRemoteNodeOnly: 'stork.libopenstorage.org/preferRemoteNodeOnly',
} as const;

/** A Portworx sharedv4 service volume's class parameters: anti-hyperconverged. */
export const SHAREDV4_SVC = { sharedv4: 'true', sharedv4_svc_type: 'ClusterIP' } as const;

function topologyLabels([, rack, zone, region]: NodeSpec): Record<string, string> {
  const labels: Record<string, string> = {};
  if (rack) labels[`${PREFIX}rack`] = rack;
  if (zone) labels[LABEL.zone] = zone;
  if (region) labels[LABEL.region] = region;
  return labels;
}

function volumeObjects(spec: VolumeSpec): SlimObject[] {
  const bound = (spec.phase ?? 'Bound') === 'Bound';
  const className = `sc-${spec.name}`;
  const items: SlimObject[] = [
    {
      kind: 'StorageClass',
      obj: {
        name: className,
        provisioner: spec.provisioner ?? DRIVER,
        parameters: spec.params ?? {},
        volumeBindingMode: spec.bindingMode ?? 'Immediate',
        isDefault: false,
        creationTimestamp: '2024-01-01T00:00:00Z',
      },
    },
    {
      kind: 'PersistentVolumeClaim',
      obj: {
        namespace: NAMESPACE,
        name: spec.name,
        annotations: spec.annotations ?? {},
        storageClassName: className,
        volumeName: bound ? `pv-${spec.name}` : '',
        phase: bound ? 'Bound' : 'Pending',
      },
    },
  ];
  if (bound) {
    items.push({
      kind: 'PersistentVolume',
      obj: {
        name: `pv-${spec.name}`,
        annotations: {},
        labels: {},
        csiDriver: spec.provisioner ?? DRIVER,
        storageClassName: className,
        claimRef: { namespace: NAMESPACE, name: spec.name },
      },
    });
  }
  return items;
}

export function buildStore(scenario: Scenario): MemoryStore {
  const items: SlimObject[] = scenario.volumes.flatMap(volumeObjects);
  for (const spec of scenario.nodes) {
    const name = spec[0];
    const labels = topologyLabels(spec);
    for (const volume of scenario.volumes) {
      if (volume.replicas?.includes(name)) labels[`pv-${volume.name}`] = 'true';
    }
    const status = scenario.status?.[name];
    if (status) labels[LABEL.storageStatus] = status;
    items.push({ kind: 'Node', obj: { name, labels, unschedulable: false, ready: true, internalIPs: [] } });
    if (!scenario.nonDriver?.includes(name))
      items.push({ kind: 'CSINode', obj: { name, drivers: [DRIVER] } });
  }
  return MemoryStore.of(items);
}

export function podVolumes(scenario: Scenario): PodVolume[] {
  return scenario.volumes.map((v) => ({ name: v.name, persistentVolumeClaim: { claimName: v.name } }));
}

export async function runScenario(scenario: Scenario, scale: ScoreScale = 'raw'): Promise<PodScores> {
  const store = buildStore(scenario);
  const volumes = resolvePodVolumes(podVolumes(scenario), NAMESPACE, store, {
    provisioners: new Set([DRIVER]),
  });
  const gathered = await gatherPlacement({ sources: [nodeLabelsSource()], volumes, reader: store });
  return scorePod(
    {
      podAnnotations: scenario.podAnnotations ?? {},
      volumes,
      placements: gathered.placements,
      storageNodes: gathered.storageNodes,
      candidates: scenario.candidates ?? scenario.nodes.map(([name]) => name),
    },
    { scale },
  );
}

/** Raw (or scaled) scores in candidate order. */
export function scoresOf(result: PodScores, field: 'raw' | 'score' = 'raw'): number[] {
  return result.priorities.map((p) => p[field]);
}
