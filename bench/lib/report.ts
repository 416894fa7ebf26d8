/**
 * The run's record (written as JSON under bench/results/) and its two renderings: the table printed
 * at the end of a run and BENCHMARKS.md.
 */
import type { Machine } from './machine.js';
import type { BenchOutcome, Figure, RunInfo, TargetCheck } from './model.js';
import { ratioSpread, spread } from './format.js';

export interface RunRecord {
  readonly schema: 1;
  readonly command: string;
  readonly quick: boolean;
  readonly reps: number;
  readonly startedAt: string;
  readonly seconds: number;
  readonly machine: Machine;
  readonly versions: Readonly<Record<string, string>>;
  readonly benchmarks: readonly BenchOutcome[];
  /** Later runs (`--merge`) whose benchmarks replaced this run's. */
  readonly merged?: readonly (RunInfo & { readonly benchmarks: readonly string[] })[];
}

type Table = string[][];

/** One table per figure group: a row per label, per metric the value, the baseline and the ratio. */
function tables(figures: readonly Figure[]): { title: string; table: Table }[] {
  const groups = new Map<string, Figure[]>();
  for (const f of figures) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  return [...groups].map(([title, list]) => {
    const metrics = [...new Set(list.map((f) => f.metric))];
    const baseline = list.find((f) => f.baseline)?.baseline?.label;
    const header = ['', ...metrics.flatMap((m) => (baseline ? [m, `${baseline}`, 'ratio'] : [m]))];
    // Latency percentiles come from `samples` per repetition: a p99 of 6 samples is their maximum.
    const withSamples = list.some((f) => f.samples !== undefined);
    if (withSamples) header.push('n/rep');
    const labels = [...new Set(list.map((f) => f.label))];
    const rows = labels.map((label) => [
      label,
      ...metrics.flatMap((m) => {
        const f = list.find((x) => x.label === label && x.metric === m);
        if (!f) return baseline ? ['', '', ''] : [''];
        const cells = [spread(f.value, f.metric)];
        if (baseline)
          cells.push(
            f.baseline ? spread(f.baseline.value, f.metric) : '',
            f.ratio ? ratioSpread(f.ratio) : '',
          );
        return cells;
      }),
      ...(withSamples ? [String(list.find((x) => x.label === label)?.samples ?? '')] : []),
    ]);
    return { title, table: [header, ...rows] };
  });
}

function verdict(t: TargetCheck): string {
  if (t.notMeasured) return 'not measured';
  return t.met ? 'met' : 'MISSED';
}

function targetRows(benchmarks: readonly BenchOutcome[]): Table {
  const rows: Table = [['benchmark', 'target', 'judged on', 'measured', 'result']];
  for (const b of benchmarks) {
    for (const t of b.targets) rows.push([b.id, t.target, t.on, t.measured, verdict(t)]);
    if (b.status !== 'ran')
      for (const t of b.plannedTargets ?? [])
        rows.push([b.id, t, '', b.status, b.status === 'pending' ? 'pending' : 'failed']);
  }
  return rows;
}

function aligned(table: Table): string {
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
  return table
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A markdown table; the first `left` columns are left-aligned (text), the rest right (numbers). */
function markdown(table: Table, left = 1): string {
  const esc = (c: string): string => c.replaceAll('|', '\\|');
  const [header, ...rows] = table;
  if (!header) return '';
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (i < left ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function renderConsole(run: RunRecord): string {
  const out: string[] = [];
  for (const b of run.benchmarks) {
    out.push(`\n== ${b.title} [${b.status}${b.status === 'ran' ? `, ${Math.round(b.seconds)} s` : ''}]`);
    if (b.error) out.push(`   ${b.status === 'pending' ? 'pending' : 'error'}: ${b.error}`);
    for (const { title, table } of tables(b.figures)) out.push(`\n-- ${title}`, aligned(table));
  }
  out.push('\n== Targets', aligned(targetRows(run.benchmarks)));
  out.push(`\nmedian (min–max) of ${run.reps} repetitions; ratio = ours / baseline, paired per repetition.`);
  return out.join('\n');
}

const loadText = (r: RunInfo): string =>
  `1-minute load average ${r.loadStart.toFixed(2)} at the start, ${(r.loadEnd ?? Number.NaN).toFixed(2)} at the end`;

/** Where a merged outcome was measured: its own run's command, time and load. */
function runLine(r: RunInfo): string {
  const commit = r.commit ? `commit ${r.commit}; ` : '';
  return `_Measured by \`${r.command}\` on ${r.startedAt} (${commit}took ${Math.round(r.seconds / 6) / 10} min; ${loadText(r)})._`;
}

function machineLines(run: RunRecord): string[] {
  const m = run.machine;
  const merges = (run.merged ?? []).map(
    (r) =>
      `- Merged: ${r.benchmarks.join(', ')} from \`${r.command}\` on ${r.startedAt} (took ${Math.round(r.seconds / 6) / 10} min; ${loadText(r)}); each benchmark below names the run it comes from.`,
  );
  return [
    `- Command: \`${run.command}\` (${run.reps} repetitions of every measurement; took ${Math.round(run.seconds / 6) / 10} min)`,
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB memory; ${m.os}`,
    `- Node ${m.node}; ${Object.entries(run.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}${m.commit ? `; commit ${m.commit}` : ''}`,
    `- Run: ${run.startedAt}; 1-minute load average ${m.loadStart.toFixed(2)} at the start, ${(m.loadEnd ?? Number.NaN).toFixed(2)} at the end` +
      (m.loadStart > m.cores * 0.5
        ? ' — the machine was busy with other work, so absolute numbers are noisy; compare the ratios.'
        : '.'),
    ...merges,
  ];
}

export function renderMarkdown(run: RunRecord, findings: string): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/main.ts). Do not edit: change bench/, or bench/findings.md for the findings. -->',
    '',
    'Every figure is the **median of the repetitions** with its **(min–max) spread across them**, next to a **baseline',
    'measured in the same run** (interleaved with ours, repetition by repetition) and the **ratio** ours / baseline, paired',
    'per repetition. Absolute numbers move with the machine; ratios measured side by side travel better.',
    '',
    '## How and where',
    '',
    ...machineLines(run),
    `- Raw results: \`bench/results/latest.json\` (and a dated copy).`,
    '',
    '## Targets',
    '',
    'The issue’s targets, each judged on the figure named; a miss is a finding, explained under [Findings](#findings).',
    '',
    markdown(targetRows(run.benchmarks), 5),
    '',
  ];
  run.benchmarks.forEach((b, i) => {
    out.push(`## ${i + 1}. ${b.title}`, '');
    if (b.status === 'pending') {
      out.push(
        `**Pending**: ${b.pendingReason ?? ''}.`,
        '',
        'Targets:',
        '',
        ...(b.plannedTargets ?? []).map((t) => `- ${t}`),
        '',
      );
      return;
    }
    if (b.run && run.merged) out.push(runLine(b.run), '');
    if (b.status === 'failed') out.push(`**Failed in this run**: ${b.error ?? ''}`, '');
    out.push(...b.method.map((m) => `- ${m}`), '');
    for (const { title, table } of tables(b.figures)) out.push(`### ${title}`, '', markdown(table), '');
  });
  out.push('## Findings', '', findings.trim(), '');
  return out.join('\n');
}
