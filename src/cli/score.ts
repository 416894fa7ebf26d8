import type { Evaluation } from '../extender/evaluate.js';
import { volumeDisplayName } from '../placement/types.js';

/** One node's line: the filter verdict, raw and mapped scores, why. */
export interface NodeReport {
  readonly node: string;
  readonly passes: boolean;
  readonly filterReason: string;
  readonly raw: number;
  readonly score: number;
  readonly why: string;
}

export function nodeReports(e: Evaluation): NodeReport[] {
  const f = e.scores.filter;
  return e.scores.priorities.map((p) => {
    const failed = f.failed[p.node];
    return {
      node: p.node,
      passes: f.error === undefined && failed === undefined,
      filterReason: f.error ?? failed ?? '',
      raw: p.raw,
      score: p.score,
      why: p.reason,
    };
  });
}

function pad(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** The `score` command's human report: the pod's volumes and where their data is, then a node table. */
export function renderScoreReport(e: Evaluation): string {
  const lines = [`Pod ${e.namespace}/${e.name}`];
  if (e.volumes.length === 0) lines.push('  no storage volumes: every node passes, no preference');
  for (const v of e.volumes) {
    const placement = e.placements.get(v.volume);
    const where = placement
      ? `replicas on ${placement.replicaNodeIds.join(', ') || 'no node'} (${placement.source})`
      : v.managed
        ? 'no placement source knows its data'
        : '';
    const state = v.unknown ? 'unknown' : v.managed ? 'managed' : 'not managed';
    lines.push(`  volume ${volumeDisplayName(v)}: ${state}, ${v.via}${where ? `; ${where}` : ''}`);
  }
  for (const p of e.problems) lines.push(`  warning: placement source ${p.source} failed: ${p.message}`);
  if (e.scores.filter.error)
    lines.push(`  filter error (the scheduler would retry): ${e.scores.filter.error}`);
  if (e.scores.filter.unresolvable)
    lines.push('  no node can pass: the scheduler is told not to try preemption');
  lines.push('');
  const rows = [['NODE', 'FILTER', 'RAW', 'SCORE', 'WHY']];
  for (const r of nodeReports(e).sort((a, b) => b.raw - a.raw || a.node.localeCompare(b.node))) {
    rows.push([r.node, r.passes ? 'pass' : `fail: ${r.filterReason}`, String(r.raw), String(r.score), r.why]);
  }
  lines.push(pad(rows));
  return lines.join('\n') + '\n';
}
