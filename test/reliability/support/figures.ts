import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where each run leaves its numbers for RELIABILITY.md (git-ignored, like every .cache/ file). */
export const FIGURES_DIR = join(process.cwd(), '.cache', 'reliability', 'figures');

export function recordFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(
    join(FIGURES_DIR, `${name}.json`),
    JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2) + '\n',
  );
}

/** `KC_FUZZ_RUNS=500` for a quick local run; CI (unset) runs the full count. */
export function fuzzRuns(fallback = 10_000): number {
  const n = Number(process.env.KC_FUZZ_RUNS ?? fallback);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Counts by label, for the figures. */
export class Tally {
  readonly counts: Record<string, number> = {};
  add(label: string, n = 1): void {
    this.counts[label] = (this.counts[label] ?? 0) + n;
  }
  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
