/**
 * Benchmark 4 — scheduling throughput and outcome on a real control plane (the end-to-end harness's
 * etcd and kube-apiserver), at 100 and 500 fake Nodes.
 *
 * Three kube-scheduler processes run side by side, all with the same client QPS and burst: ours
 * (profile `kube-converge`, percentageOfNodesToScore 100, our extender as the chart configures it),
 * the baseline (profile `default-scheduler` as kube-scheduler ships it, no extender — in one process
 * an extender is shared by every profile), and a control that splits our cost in two: the default
 * plugins with percentageOfNodesToScore 100 and no extender. Each repetition creates N pods, each
 * with its own bound Portworx claim whose only replica lives on one node (the node-labels source:
 * `<pv>=true`), as fast as the API server takes them, and times first create → last pod bound (a
 * watch sees spec.nodeName). The contenders take turns, the order rotating per repetition.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Environment } from '../../test/e2e/harness/environment.js';
import { check, figure, notMeasured } from '../lib/figures.js';
import {
  adminApi,
  startControlPlane,
  startScheduler,
  startServe,
  type SchedulerSpec,
  type ServeProcess,
} from '../lib/harness.js';
import type { BenchContext, BenchRun, Benchmark, Figure, TargetCheck } from '../lib/model.js';
import { quantile } from '../lib/stats.js';
import { IN_FLIGHT, loadCluster, scheduleOnce, type Contender, type RunResult } from './scheduling-run.js';

interface Settings {
  readonly nodeCounts: readonly number[];
  readonly pods: number;
  /** Pods scheduled once by each scheduler before the measured repetitions (not counted). */
  readonly warmup: number;
}

const FULL: Settings = { nodeCounts: [100, 500], pods: 1000, warmup: 100 };
const QUICK: Settings = { nodeCounts: [100], pods: 100, warmup: 20 };
/** clientConnection of every scheduler (the defaults, 50/100, would cap any of them near 25 pods/s). */
const QPS = 500;
const BURST = 1000;
/** The chart's extender weight. */
const WEIGHT = 30;

const TARGET_RATE = 'scheduling with our extender ≥ 50 % of the default profile’s pods/s at 500 nodes';
const TARGET_SHARE = '100 % of pods on a replica node where capacity allows';

type Who = 'default' | 'ours' | 'everyNode';
const WHO: readonly Who[] = ['default', 'ours', 'everyNode'];
const LABEL: Record<Who, string> = {
  default: 'default profile',
  ours: 'kube-converge profile + extender',
  everyNode: 'default plugins scoring every node, no extender',
};
/** Rotates who goes first, so no one always inherits the previous run's garbage or warm caches. */
const orderOf = (rep: number): Who[] => WHO.map((_, i) => WHO[(i + rep) % WHO.length] as Who);

function schedulerSpecs(serve: ServeProcess): Record<Who, SchedulerSpec> {
  const common = { qps: QPS, burst: BURST };
  return {
    default: {
      name: 'kube-scheduler-default',
      ...common,
      profiles: [{ schedulerName: 'default-scheduler' }],
    },
    ours: {
      name: 'kube-scheduler-ours',
      ...common,
      profiles: [{ schedulerName: 'kube-converge', percentageOfNodesToScore: 100 }],
      extenders: [
        {
          urlPrefix: serve.extenderUrl,
          filterVerb: 'filter',
          prioritizeVerb: 'prioritize',
          weight: WEIGHT,
          nodeCacheCapable: true,
          httpTimeout: '5s',
          ignorable: false,
        },
      ],
    },
    everyNode: {
      name: 'kube-scheduler-every-node',
      ...common,
      profiles: [{ schedulerName: 'every-node', percentageOfNodesToScore: 100 }],
    },
  };
}

const SCHEDULER_NAME: Record<Who, string | undefined> = {
  default: undefined,
  ours: 'kube-converge',
  everyNode: 'every-node',
};

interface SizeResult {
  readonly nodes: number;
  readonly runs: Record<Who, RunResult[]>;
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

/** CPU of the scheduling path per pod, ms: the contender's scheduler plus `serve` (which also watches pods). */
const cpuPerPod = (r: RunResult): number => (1000 * (r.cpu.scheduler + r.cpu.serve)) / r.pods;

function figuresAt(s: Settings, nodes: number, runs: Record<Who, RunResult[]>): Figure[] {
  const group = `Scheduling on the real control plane: ${s.pods.toLocaleString('en-US')} pods created ${IN_FLIGHT} in flight, first create → last pod bound`;
  const metrics: Array<[string, string, 'higher' | 'lower', (r: RunResult) => number]> = [
    ['throughput', 'pods/s', 'higher', (r) => r.podsPerSecond],
    ['cpu', 'CPU ms/pod', 'lower', cpuPerPod],
    ['latency.p50', 'create→bound p50 ms', 'lower', (r) => r.latency.p50],
  ];
  const contest = (['ours', 'everyNode'] as const).flatMap((who) =>
    metrics.map(([id, metric, better, f]) =>
      figure({
        id: `scheduling.${id}.${who}.nodes${nodes}`,
        group,
        label: `${nodes} nodes: ${LABEL[who]}`,
        metric,
        better,
        values: runs[who].map(f),
        baseline: { label: LABEL.default, values: runs.default.map(f) },
      }),
    ),
  );
  const shares = WHO.map((who) =>
    figure({
      id: `scheduling.share.${who}.nodes${nodes}`,
      group: 'Pods on the node holding their data (one replica per volume)',
      label: `${nodes} nodes: ${LABEL[who]}`,
      metric: '% on a replica node',
      better: 'higher',
      values: runs[who].map((r) => r.sharePercent),
    }),
  );
  return [...contest, ...shares];
}

async function startContenders(env: Environment, serve: ServeProcess): Promise<Record<Who, Contender>> {
  const specs = schedulerSpecs(serve);
  const started = await Promise.all(WHO.map((who) => startScheduler(env, specs[who])));
  const out = {} as Record<Who, Contender>;
  WHO.forEach((who, i) => {
    const scheduler = started[i];
    if (!scheduler) throw new Error(`kube-scheduler for ${who} did not start`);
    out[who] = { id: who, scheduler, ...(SCHEDULER_NAME[who] ? { schedulerName: SCHEDULER_NAME[who] } : {}) };
  });
  return out;
}

async function measureAt(ctx: BenchContext, s: Settings, nodes: number): Promise<SizeResult> {
  const t0 = performance.now();
  ctx.log(`scheduling ${nodes} nodes: starting etcd and kube-apiserver`);
  const env = await startControlPlane(`bench-scheduling-${nodes}`, false);
  const api = adminApi(env, IN_FLIGHT + 8);
  try {
    const loadSeconds = await loadCluster(api, nodes, s.pods);
    ctx.log(
      `scheduling ${nodes} nodes: ${nodes} nodes and ${s.pods} bound claims in ${loadSeconds.toFixed(1)} s`,
    );
    const serve = await startServe(ctx, env, 'kube-converge');
    const contenders = await startContenders(env, serve);
    for (const who of WHO) await scheduleOnce(api, env, serve, contenders[who], s.warmup, nodes);
    const runs: Record<Who, RunResult[]> = { default: [], ours: [], everyNode: [] };
    for (let rep = 0; rep < ctx.reps; rep++)
      for (const who of orderOf(rep)) {
        const r = await scheduleOnce(api, env, serve, contenders[who], s.pods, nodes);
        ctx.log(
          `scheduling ${nodes} nodes #${rep + 1} ${who}: ${r.podsPerSecond.toFixed(0)} pods/s (created in ${r.createSeconds.toFixed(1)} s, last bound at ${r.seconds.toFixed(1)} s), ${cpuPerPod(r).toFixed(1)} ms CPU/pod, ${r.sharePercent.toFixed(1)} % on a replica node`,
        );
        runs[who].push(r);
      }
    return {
      nodes,
      runs,
      figures: figuresAt(s, nodes, runs),
      details: { runs, loadSeconds, serveReadyMs: serve.readyMs, seconds: (performance.now() - t0) / 1000 },
    };
  } finally {
    api.close();
    await env.stop();
  }
}

function targetsOf(results: readonly SizeResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const at500 = results
    .find((r) => r.nodes === 500)
    ?.figures.find((f) => f.id === 'scheduling.throughput.ours.nodes500');
  out.push(
    at500
      ? check(TARGET_RATE, '500 nodes, pods/s ours / default profile', at500, { ratio: (x) => x >= 0.5 })
      : notMeasured(TARGET_RATE, '500 nodes'),
  );
  for (const r of results) {
    const f = r.figures.find((x) => x.id === `scheduling.share.ours.nodes${r.nodes}`);
    if (!f) continue;
    // Every repetition, not the median: one pod off its data is a miss.
    const c = check(TARGET_SHARE, `${r.nodes} nodes, every repetition`, f, { value: () => true });
    out.push({ ...c, met: f.value.min >= 100 });
  }
  return out;
}

const med = (values: readonly number[], digits = 1): string => quantile(values, 0.5).toFixed(digits);

/** Per node count: creation versus last binding, CPU split, the extender's own time. */
function timingLine(r: SizeResult): string {
  const per = (who: Who, f: (x: RunResult) => number): string => med(r.runs[who].map(f));
  const pods = r.runs.ours[0]?.pods ?? 1;
  const ext = (verb: string, f: (e: { meanMs: number; callsPerPod: number }) => number, d = 2): string =>
    med(
      r.runs.ours.map((x) => f(x.extender[verb] ?? { meanMs: NaN, callsPerPod: NaN })),
      d,
    );
  const nodesUsed = (who: Who): string =>
    med(
      r.runs[who].map((x) => x.nodesUsed),
      0,
    );
  const restarts = WHO.reduce((a, w) => a + r.runs[w].reduce((b, x) => b + x.watchRestarts, 0), 0);
  return (
    `${r.nodes} nodes (medians; default / every node / ours): creating took ${per('default', (x) => x.createSeconds)} / ${per('everyNode', (x) => x.createSeconds)} / ${per('ours', (x) => x.createSeconds)} s, the last pod was bound at ${per('default', (x) => x.seconds)} / ${per('everyNode', (x) => x.seconds)} / ${per('ours', (x) => x.seconds)} s; ` +
    `scheduler CPU ${per('default', (x) => (1000 * x.cpu.scheduler) / pods)} / ${per('everyNode', (x) => (1000 * x.cpu.scheduler) / pods)} / ${per('ours', (x) => (1000 * x.cpu.scheduler) / pods)} ms per pod, serve’s ${per('default', (x) => (1000 * x.cpu.serve) / pods)} / ${per('everyNode', (x) => (1000 * x.cpu.serve) / pods)} / ${per('ours', (x) => (1000 * x.cpu.serve) / pods)}; ` +
    `our extender’s own time per call (its histogram) ${ext('filter', (e) => e.meanMs)} ms filter, ${ext('prioritize', (e) => e.meanMs)} ms prioritize, ${ext('filter', (e) => e.callsPerPod)} filter calls per pod; ` +
    `pods spread over ${nodesUsed('default')} / ${nodesUsed('everyNode')} / ${nodesUsed('ours')} nodes; the watch was reopened ${restarts} time${restarts === 1 ? '' : 's'} (kube-apiserver closes watchers that fall behind).`
  );
}

function methodOf(s: Settings, results: readonly SizeResult[], load: [number, number]): string[] {
  return [
    'Control plane: the end-to-end harness’s etcd (`--unsafe-no-fsync`) and kube-apiserver v1.34 on this machine; fake Nodes as kubelets register them (allocatable 110 pods, 7910m CPU, 30 images; no taints), each with a CSINode naming the Portworx driver. No kube-controller-manager: the claims and PVs are created bound as its PV controller leaves them (bind annotations, claimRef with the claim’s UID, `Bound` status through the status subresource) — its 20-QPS client would need minutes to bind a thousand pairs.',
    `Three kube-scheduler v1.34 processes, all running throughout, all with clientConnection qps ${QPS} / burst ${BURST} (the defaults, 50 / 100, would cap any of them near 25 pods/s: a bind and an event per pod): **ours** — one profile, \`kube-converge\`, percentageOfNodesToScore 100, and our extender as the chart configures it (filter + prioritize, weight ${WEIGHT}, nodeCacheCapable: NodeNames, HTTP, 5 s timeout, not ignorable), served by \`node dist/.bench/src/cli/bin.js serve --kubeconfig\` (default flags: the node-labels placement source, log level info); **the baseline** — kube-scheduler’s default profile, no extender (in one process an extender serves every profile, so the baseline has its own); **a control** — the default plugins with percentageOfNodesToScore 100 and no extender, which splits our cost between scoring every node (the chart’s setting: the node holding the data must not be sampled away) and the extender.`,
    `Workload: ${s.pods.toLocaleString('en-US')} pods per repetition (pause image, no requests), pod i using claim i, a Portworx CSI PV bound to it whose only replica is on node i mod N (a \`<pv>=true\` label, read by the node-labels source). Pods name their scheduler (\`schedulerName\`; none for the baseline): no webhook is configured, so admission costs no one anything. Created with ${IN_FLIGHT} POSTs in flight over one keep-alive connection pool; a watch (field selector \`spec.nodeName!=\`) notes when each pod is bound; then every pod is force-deleted (grace 0, no kubelet) and the next run starts on an empty namespace. ${s.warmup} pods per scheduler first as a warm-up (not counted); ${results[0]?.runs.ours.length ?? 0} repetitions, the order of the three rotating.`,
    'pods/s = pods / (first create sent → last pod seen bound): creation and scheduling overlap, as when a workload scales up, so a scheduler faster than creation is measured at the creation rate. CPU ms/pod = CPU time of the run’s scheduler process plus `serve`’s (it watches every pod for its convergence gauges, in every run) over the run, per pod: unlike pods/s it does not count time spent waiting for a core.',
    ...results.map(timingLine),
    `Capacity is never the limit: a node holds at most ${Math.ceil(s.pods / Math.min(...s.nodeCounts))} of ours at a time against 110 allocatable pods. 1-minute load average ${load[0].toFixed(2)} at the start of this benchmark, ${load[1].toFixed(2)} at its end (2 cores shared by etcd, kube-apiserver, three schedulers, serve and the client).`,
  ];
}

async function run(ctx: BenchContext): Promise<BenchRun> {
  const s = ctx.quick ? QUICK : FULL;
  const load0 = os.loadavg()[0] ?? 0;
  const results: SizeResult[] = [];
  for (const nodes of s.nodeCounts) results.push(await measureAt(ctx, s, nodes));
  return {
    method: methodOf(s, results, [load0, os.loadavg()[0] ?? 0]),
    figures: results.flatMap((r) => r.figures),
    targets: targetsOf(results),
    details: {
      settings: { ...s, inFlight: IN_FLIGHT, qps: QPS, burst: BURST, weight: WEIGHT },
      ...Object.fromEntries(results.map((r) => [`nodes${r.nodes}`, r.details])),
      loadAverage: { start: load0, end: os.loadavg()[0] ?? 0 },
    },
  };
}

export const schedulingBenchmark: Benchmark = {
  id: 'scheduling',
  title: 'Scheduling throughput and outcome on the real control plane',
  targets: [
    'pods/s with our profile + extender ≥ 50 % of the default profile’s, same run, at 500 fake nodes (also measured at 100)',
    '100 % of pods on a node holding a replica of their data where capacity allows (versus the default scheduler’s share)',
  ],
  run,
};
