import type { StorageNode } from '../placement/types.js';
import type { LocatedVolume } from './volumes.js';

/**
 * Stork's raw scores (scoring.md table). A storage-down node gets half, integer part: Stork computes
 * `score * 50 / 100` in float64 and truncates when it sums (a replica on a storage-down node scores
 * half the *rack* score: the data is local but the node cannot serve it).
 */
export const POINTS = {
  replica: { online: 100, down: 25 },
  rack: { online: 50, down: 25 },
  zone: { online: 25, down: 12 },
  region: { online: 10, down: 5 },
} as const;
/** A driver node with no locality: it stays a candidate (Stork's defaultScore). */
export const DEFAULT_SCORE = 5;
/** What a node not holding an anti-hyperconverged volume's replica gains (Stork's nodePriorityScore). */
export const REMOTE_BONUS = 100;
/** The most one volume can add: what "best possible raw" counts per volume. */
export const BEST_PER_VOLUME = POINTS.replica.online;

export type Level = 'rack' | 'zone' | 'region';
export type Match = 'replica' | Level;
const LEVELS: readonly Level[] = ['rack', 'zone', 'region'];

/**
 * Nested locality keys: zone = region/zone and rack = region/zone/rack, each part only when present,
 * so equal rack names in different zones never match, and a level the node has no label for is never
 * compared. The separator cannot occur in a label value.
 */
export function localityKeys(node: StorageNode): Partial<Record<Level, string>> {
  const region = node.region || undefined;
  const zone = node.zone || undefined;
  const rack = node.rack || undefined;
  return {
    region,
    zone: zone === undefined ? undefined : `${region ?? ''}/${zone}`,
    rack: rack === undefined ? undefined : `${region ?? ''}/${zone ?? ''}/${rack}`,
  };
}

/** The localities of a volume's replicas. An offline storage node contributes no locality at all. */
export interface VolumeLocality {
  readonly volume: LocatedVolume;
  readonly keys: Readonly<Record<Level, ReadonlySet<string>>>;
}

export function volumeLocality(volume: LocatedVolume): VolumeLocality {
  const keys = { rack: new Set<string>(), zone: new Set<string>(), region: new Set<string>() };
  for (const replica of volume.replicas) {
    if (replica.status === 'offline') continue;
    const own = localityKeys(replica);
    for (const level of LEVELS) {
      const key = own[level];
      if (key !== undefined) keys[level].add(key);
    }
  }
  return { volume, keys };
}

export interface VolumePoints {
  readonly points: number;
  readonly match?: Match;
}

/** One volume's raw score for a (not offline) candidate: the first row of the table that applies. */
export function volumePoints(candidate: StorageNode, locality: VolumeLocality): VolumePoints {
  const down = candidate.status === 'storage-down';
  const pick = (match: Match): VolumePoints => ({
    points: down ? POINTS[match].down : POINTS[match].online,
    match,
  });
  const name = candidate.nodeName;
  if (name !== undefined && locality.volume.replicas.some((replica) => replica.nodeName === name)) {
    return pick('replica');
  }
  const own = localityKeys(candidate);
  for (const level of LEVELS) {
    const key = own[level];
    if (key !== undefined && locality.keys[level].has(key)) return pick(level);
  }
  return { points: 0 };
}
