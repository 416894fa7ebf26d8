import { filterStorage } from './filter.js';
import { prioritizeStorage } from './prioritize.js';
import type { FilterResult, NodePriority, PodScores, ScoringInput, ScoringOptions } from './types.js';
import { describePodStorage } from './volumes.js';

/**
 * Filter and prioritize in one call, for the edges: the extender's handlers and the `score` command
 * gather the plain data (resolution, then placement's `gatherPlacement`), call this, and encode.
 * The pod is classified once; each half is computed the first time it is read, so `/filter` does
 * not pay for priorities nor `/prioritize` for the filter (at 5,000 nodes each half is milliseconds).
 */
export function scorePod(input: ScoringInput, options: ScoringOptions): PodScores {
  const storage = describePodStorage(input);
  let filter: FilterResult | undefined;
  let priorities: readonly NodePriority[] | undefined;
  return {
    get filter(): FilterResult {
      filter ??= filterStorage(storage, input.candidates);
      return filter;
    },
    get priorities(): readonly NodePriority[] {
      priorities ??= prioritizeStorage(storage, input.candidates, options);
      return priorities;
    },
  };
}
