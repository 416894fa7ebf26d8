/** Numbers as the tables print them: a median with its min–max spread. */
import type { Summary } from './stats.js';

export function num(value: number, metric: string): string {
  if (!Number.isFinite(value)) return '–';
  if (metric.includes('req/s') || metric.includes('µs')) return Math.round(value).toLocaleString('en-US');
  // Rates, sizes and shares (benchmarks 3 and 4): whole numbers once they are large.
  if (/\/s$|MiB|^B\/|%/.test(metric))
    return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
  if (metric.includes('ms'))
    return value < 10
      ? value.toFixed(2)
      : value < 100
        ? value.toFixed(1)
        : Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)}×` : '–';
}

/** "1,234 (1,100–1,300)"; a single repetition prints without the spread. */
export function spread(s: Summary, metric: string): string {
  if (s.values.length <= 1) return num(s.median, metric);
  return `${num(s.median, metric)} (${num(s.min, metric)}–${num(s.max, metric)})`;
}

export function ratioSpread(s: Summary): string {
  if (s.values.length <= 1) return ratio(s.median);
  return `${ratio(s.median)} (${ratio(s.min).replace('×', '')}–${ratio(s.max)})`;
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
