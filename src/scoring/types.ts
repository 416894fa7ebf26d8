import type { Labels } from '../cluster/types.js';
import type { Placements, StorageNode } from '../placement/types.js';
import type { ResolvedVolume } from '../resolution/types.js';

/** `linear`: 0–10 as the extender API wants (default); `raw`: Stork's numbers (scoring.md). */
export type ScoreScale = 'linear' | 'raw';

export interface ScoringOptions {
  readonly scale: ScoreScale;
  /**
   * Build the per-node reason strings (default true). The extender turns it off: the scheduler never
   * sees them, and at 5,000 nodes they were a quarter of a prioritize call (BENCHMARKS.md).
   */
  readonly explain?: boolean;
}

/** Everything scoring reads, already gathered by the edge (see placement's `gatherPlacement`). */
export interface ScoringInput {
  /** The pod's annotations (disableHyperconvergence, preferLocalNodeOnly). */
  readonly podAnnotations?: Labels;
  /**
   * The pod's storage volumes as resolution answered. Empty when the pod could not be resolved:
   * every node then passes (scoring.md filter step 1).
   */
  readonly volumes: readonly ResolvedVolume[];
  /** Where the data of the managed, bound volumes lives, by `volumeKey`. */
  readonly placements: Placements;
  /** The storage nodes: which Kubernetes nodes run the driver, their status and topology. */
  readonly storageNodes: readonly StorageNode[];
  /** The Kubernetes node names the scheduler asks about, in its order. */
  readonly candidates: readonly string[];
}

/** Which filter step failed a node; 5 and 6 can make the pod unresolvable (scoring.md). */
export type FilterStep = 3 | 4 | 5 | 6;

export interface FilterResult {
  /**
   * Set when the whole call must answer `Error` (a managed PVC Pending in an Immediate class): the
   * scheduler retries later. `passed` and `failed` are then empty.
   */
  readonly error?: string;
  /** Candidates that pass, in input order. */
  readonly passed: readonly string[];
  /** Failing candidates and why. */
  readonly failed: Readonly<Record<string, string>>;
  /**
   * No node can ever pass for this pod (step 3, or steps 5–6 left none): the extender reports the
   * failures as FailedAndUnresolvableNodes so the scheduler does not attempt preemption in vain.
   */
  readonly unresolvable: boolean;
}

export interface NodePriority {
  readonly node: string;
  /** Stork's raw score (scoring.md table). */
  readonly raw: number;
  /** What the extender sends: 0–10 for `linear`, `raw` otherwise. */
  readonly score: number;
  /** Why, for humans: "replica of pvc-a (100) + rack of pvc-b (50)". */
  readonly reason: string;
}

export interface PodScores {
  readonly filter: FilterResult;
  readonly priorities: readonly NodePriority[];
}
