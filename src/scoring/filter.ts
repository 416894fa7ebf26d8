import type { FilterResult, FilterStep, ScoringInput } from './types.js';
import { describePodStorage, holdsReplica, type LocatedVolume, type PodStorage } from './volumes.js';

/** The reason strings of scoring.md's filter, in one place. */
export const FILTER_REASON = {
  waitingForClaim: (namespace: string, name: string): string =>
    `waiting for PVC ${namespace}/${name} to be bound`,
  noOnlineReplica: (volume: string): string => `no online node holds a replica of volume ${volume}`,
  noDriver: 'storage driver not running on this node',
  storageOffline: 'storage offline',
  noLocalReplica: (volumes: readonly string[]): string => `no replica of ${volumes.join(', ')} on this node`,
  remoteOnly: (volumes: readonly string[]): string =>
    `holds a replica of ${volumes.join(', ')}, whose StorageClass sets preferRemoteNodeOnly`,
} as const;

interface Failure {
  readonly reason: string;
  readonly step: FilterStep;
}

function passAll(candidates: readonly string[]): FilterResult {
  return { passed: [...candidates], failed: {}, unresolvable: false };
}

/** Step 3: a volume with replicas, none on an online storage node (storage-down holds no usable data). */
function unreachableVolume(storage: PodStorage): LocatedVolume | undefined {
  return storage.located.find(
    (volume) =>
      volume.replicaIds.length > 0 && !volume.replicas.some((replica) => replica.status === 'online'),
  );
}

/** Steps 4–6 for one node, first failure wins. */
function nodeFailure(storage: PodStorage, node: string): Failure | undefined {
  const storageNode = storage.nodeByName.get(node);
  if (!storageNode) return { reason: FILTER_REASON.noDriver, step: 4 };
  if (storageNode.status === 'offline') return { reason: FILTER_REASON.storageOffline, step: 4 };
  if (storage.preferLocalNodeOnly) {
    const missing = storage.located
      .filter(
        (volume) => !volume.antiHyperconverged && volume.replicaIds.length > 0 && !holdsReplica(volume, node),
      )
      .map((volume) => volume.name);
    if (missing.length > 0) return { reason: FILTER_REASON.noLocalReplica(missing), step: 5 };
  }
  const remote = storage.located.filter((volume) => volume.remoteOnly && holdsReplica(volume, node));
  if (remote.length > 0)
    return { reason: FILTER_REASON.remoteOnly(remote.map((volume) => volume.name)), step: 6 };
  return undefined;
}

/** scoring.md "Filter", steps 1–6 in order, on an already classified pod. */
export function filterStorage(storage: PodStorage, candidates: readonly string[]): FilterResult {
  if (!storage.managed) return passAll(candidates);
  if (storage.waitingFor) {
    const { namespace, name } = storage.waitingFor;
    return {
      error: FILTER_REASON.waitingForClaim(namespace, name),
      passed: [],
      failed: {},
      unresolvable: false,
    };
  }
  const unreachable = unreachableVolume(storage);
  if (unreachable) {
    const reason = FILTER_REASON.noOnlineReplica(unreachable.name);
    return {
      passed: [],
      failed: Object.fromEntries(candidates.map((node) => [node, reason])),
      unresolvable: true,
    };
  }
  const passed: string[] = [];
  const failed: Record<string, string> = {};
  let localityFailures = 0;
  for (const node of candidates) {
    const failure = nodeFailure(storage, node);
    if (!failure) {
      passed.push(node);
      continue;
    }
    failed[node] = failure.reason;
    if (failure.step >= 5) localityFailures++;
  }
  return { passed, failed, unresolvable: passed.length === 0 && localityFailures > 0 };
}

/** Which candidates may run the pod, and why the others may not. */
export function filter(input: ScoringInput): FilterResult {
  return filterStorage(describePodStorage(input), input.candidates);
}
