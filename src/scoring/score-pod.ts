import { filterStorage } from './filter.js';
import { prioritizeStorage } from './prioritize.js';
import type { PodScores, ScoringInput, ScoringOptions } from './types.js';
import { describePodStorage } from './volumes.js';

/**
 * Filter and prioritize in one call, for the edges: the extender's handlers and the `score` command
 * gather the plain data (resolution, then placement's `gatherPlacement`), call this, and encode.
 * The pod is classified once for both answers.
 */
export function scorePod(input: ScoringInput, options: ScoringOptions): PodScores {
  const storage = describePodStorage(input);
  return {
    filter: filterStorage(storage, input.candidates),
    priorities: prioritizeStorage(storage, input.candidates, options),
  };
}
