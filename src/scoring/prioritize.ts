import type { StorageNode } from '../placement/types.js';
import {
  BEST_PER_VOLUME,
  DEFAULT_SCORE,
  REMOTE_BONUS,
  volumeLocality,
  volumePoints,
  type VolumeLocality,
} from './locality.js';
import { toExtenderScore } from './scale.js';
import type { NodePriority, ScoringInput, ScoringOptions } from './types.js';
import { describePodStorage, holdsReplica, type LocatedVolume, type PodStorage } from './volumes.js';

/** The scored volumes of a pod, split the way scoring.md treats them. */
interface ScoringPlan {
  /** Scored through the locality table. */
  readonly hyperconverged: readonly VolumeLocality[];
  /** Prefer remote nodes: left out of the table, handled by `antiHyperconvergence`. */
  readonly antiHyperconverged: readonly LocatedVolume[];
  /** The best raw score any node can reach: the linear scale's 10. */
  readonly best: number;
}

function planOf(storage: PodStorage): ScoringPlan {
  const scored = storage.located.filter((volume) => !volume.skipped && volume.replicaIds.length > 0);
  const hyperconverged = scored.filter((volume) => !volume.antiHyperconverged).map(volumeLocality);
  const antiHyperconverged = scored.filter((volume) => volume.antiHyperconverged);
  const best = hyperconverged.length * BEST_PER_VOLUME + (antiHyperconverged.length > 0 ? REMOTE_BONUS : 0);
  return { hyperconverged, antiHyperconverged, best };
}

interface Raw {
  readonly raw: number;
  readonly reason: string;
}

const names = (volumes: readonly LocatedVolume[]): string => volumes.map((volume) => volume.name).join(', ');

/** The locality table, summed over the hyperconverged volumes. */
function localityScore(
  candidate: StorageNode,
  plan: ScoringPlan,
  explain: boolean,
): { raw: number; parts: string[] } {
  let raw = 0;
  const parts: string[] = [];
  const down = candidate.status === 'storage-down' ? ', storage down' : '';
  for (const locality of plan.hyperconverged) {
    const { points, match } = volumePoints(candidate, locality);
    if (!match) continue;
    raw += points;
    if (explain) parts.push(`${match} of ${locality.volume.name}${down} (${points})`);
  }
  return { raw, parts };
}

/**
 * Anti-hyperconvergence (scoring.md): nodes holding a replica of a volume that prefers remote nodes
 * get the default score whatever else they had; other online driver nodes gain REMOTE_BONUS.
 */
function withAntiHyperconvergence(node: string, candidate: StorageNode, plan: ScoringPlan, base: Raw): Raw {
  if (plan.antiHyperconverged.length === 0) return base;
  const held = plan.antiHyperconverged.filter((volume) => holdsReplica(volume, node));
  if (held.length > 0) {
    return {
      raw: DEFAULT_SCORE,
      reason: `replica of ${names(held)}, which prefers remote nodes (${DEFAULT_SCORE})`,
    };
  }
  if (candidate.status !== 'online') return base;
  const remote = `remote from ${names(plan.antiHyperconverged)} (${REMOTE_BONUS})`;
  return { raw: base.raw + REMOTE_BONUS, reason: base.raw > 0 ? `${base.reason} + ${remote}` : remote };
}

function rawScore(storage: PodStorage, plan: ScoringPlan, node: string, explain: boolean): Raw {
  if (!storage.managed) return { raw: DEFAULT_SCORE, reason: `no managed volume (${DEFAULT_SCORE})` };
  const candidate = storage.nodeByName.get(node);
  if (!candidate) return { raw: 0, reason: 'storage driver not running on this node (0)' };
  if (candidate.status === 'offline') return { raw: 0, reason: 'storage offline (0)' };
  if (storage.disableHyperconvergence) {
    return { raw: DEFAULT_SCORE, reason: `hyperconvergence disabled (${DEFAULT_SCORE})` };
  }
  const local = localityScore(candidate, plan, explain);
  const scored = withAntiHyperconvergence(node, candidate, plan, {
    raw: local.raw,
    reason: local.parts.join(' + '),
  });
  return scored.raw > 0 ? scored : { raw: DEFAULT_SCORE, reason: `no locality (${DEFAULT_SCORE})` };
}

/** scoring.md "Prioritize" on an already classified pod. */
export function prioritizeStorage(
  storage: PodStorage,
  candidates: readonly string[],
  options: ScoringOptions,
): NodePriority[] {
  const plan = planOf(storage);
  return candidates.map((node) => {
    const { raw, reason } = rawScore(storage, plan, node, options.explain ?? true);
    return { node, raw, score: toExtenderScore(raw, plan.best, options.scale), reason };
  });
}

/** Every candidate's raw score, extender score and the reason. */
export function prioritize(input: ScoringInput, options: ScoringOptions): NodePriority[] {
  return prioritizeStorage(describePodStorage(input), input.candidates, options);
}
