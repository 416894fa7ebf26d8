import type { ScoreScale } from './types.js';

/** The extender API's MaxExtenderPriority (k8s.io/kube-scheduler/extender/v1). */
export const MAX_EXTENDER_SCORE = 10;

/**
 * Maps a raw score to what the extender sends (scoring.md "What the extender sends back").
 * `linear`: the best possible raw score maps to 10; any driver node scores at least 1, so "no
 * locality" still ranks above "cannot run the driver" (raw 0 → 0). Rounded down, so 10 means the
 * best possible placement and nothing less.
 */
export function toExtenderScore(raw: number, best: number, scale: ScoreScale): number {
  if (scale === 'raw') return raw;
  if (raw <= 0) return 0;
  if (best <= 0) return 1;
  return Math.min(MAX_EXTENDER_SCORE, Math.max(1, Math.floor((raw * MAX_EXTENDER_SCORE) / best)));
}
