/** Builders for figures and target checks, so every suite reports the same way. */
import { ratioSpread, spread } from './format.js';
import type { Figure, TargetCheck } from './model.js';
import { pairedRatios, summarize } from './stats.js';

export interface FigureInput {
  readonly id: string;
  readonly group: string;
  readonly label: string;
  readonly metric: string;
  readonly better: 'higher' | 'lower';
  /** One value per repetition. */
  readonly values: readonly number[];
  readonly baseline?: { readonly label: string; readonly values: readonly number[] };
  readonly samples?: number;
}

export function figure(f: FigureInput): Figure {
  const { baseline, values, ...rest } = f;
  return {
    ...rest,
    value: summarize(values),
    ...(baseline
      ? {
          baseline: { label: baseline.label, value: summarize(baseline.values) },
          ratio: summarize(pairedRatios(values, baseline.values)),
        }
      : {}),
  };
}

/** A target judged on a figure's median (or its median ratio to the baseline). */
export function check(
  target: string,
  on: string,
  f: Figure,
  test: { readonly ratio?: (r: number) => boolean; readonly value?: (v: number) => boolean },
): TargetCheck {
  if (test.ratio) {
    const r = f.ratio;
    return {
      target,
      on,
      figure: f.id,
      measured: r ? ratioSpread(r) : '–',
      met: r ? test.ratio(r.median) : false,
    };
  }
  return {
    target,
    on,
    figure: f.id,
    measured: `${spread(f.value, f.metric)} ${f.metric.replace(/^p\d+ /, '')}`,
    met: test.value ? test.value(f.value.median) : false,
  };
}

/** A target this run did not measure (a quick run, a pending benchmark): said, not skipped. */
export function notMeasured(target: string, on: string): TargetCheck {
  return { target, on, figure: '', measured: 'not measured in this run', met: false, notMeasured: true };
}
