/**
 * Benchmark 3 — memory of `serve --kubeconfig` with 100k PVCs + 100k PVs + 5k Nodes (and their 5k
 * CSINodes) in its informer cache, listed from a real kube-apiserver (the end-to-end harness's).
 *
 * One control plane, loaded in two steps; at each of three stages — empty, Nodes only, everything —
 * a fresh `serve` starts `--reps` times, lists the cluster until /readyz, and its resident set size
 * is read after full GCs (SIGUSR2 → gc(), see lib/gc-on-signal.ts). The baseline is the same process
 * on the empty cluster; bytes per cached object = (RSS loaded − RSS empty) / cached objects.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Environment } from '../../test/e2e/harness/environment.js';
import { apiCsiNode, apiNamespace, apiNode, apiPV, apiPVC, forCreate } from '../fixtures/api-cluster.js';
import { benchClasses } from '../fixtures/objects.js';
import { check, figure, notMeasured } from '../lib/figures.js';
import { adminApi, residentBytes, scrape, startControlPlane, startServe, sumOf } from '../lib/harness.js';
import { createMany, type CreationRate, type KubeApi } from '../lib/kube-api.js';
import type { BenchContext, BenchRun, Benchmark, Figure, TargetCheck } from '../lib/model.js';
import { quantile } from '../lib/stats.js';

interface Settings {
  readonly nodes: number;
  readonly claims: number;
  readonly namespaces: number;
}

const FULL: Settings = { nodes: 5_000, claims: 100_000, namespaces: 100 };
const QUICK: Settings = { nodes: 500, claims: 10_000, namespaces: 20 };
/** Requests in flight while loading the cluster (one keep-alive agent). */
const IN_FLIGHT = 48;
/** After /readyz: let the watches open and the first scrape settle before reading memory. */
const SETTLE_MS = 3_000;
/**
 * After SIGUSR2's GCs V8 returns freed pages to the OS from a background thread, within about a
 * second on an idle machine (measured); RSS is sampled each second for this long, the last one kept.
 */
const AFTER_GC_MS = 5_000;

const TARGET = '≤ 1 KiB per cached PVC or PV';
const MiB = 1024 * 1024;

const short = (n: number): string =>
  n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : n.toLocaleString('en-US');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Stage = 'empty' | 'nodes' | 'full';
const STAGES: readonly Stage[] = ['empty', 'nodes', 'full'];

/** kube_converge_cache_objects by kind label (nodes, namespaces, pvcs, pvs, storageClasses, csiNodes). */
type CacheCounts = Record<string, number>;

interface MemorySample {
  readonly readyMs: number;
  /** RSS when ready + SETTLE_MS, before the forced GC. */
  readonly rssBefore: number;
  /** RSS each second after the forced GC; `rss` is the last. */
  readonly rssAfterGc: readonly number[];
  readonly rss: number;
  readonly peak: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly cache: CacheCounts;
}

function expectedCounts(s: Settings, stage: Stage): Partial<CacheCounts> {
  if (stage === 'empty') return { nodes: 0, pvcs: 0, pvs: 0, csiNodes: 0, storageClasses: 0 };
  const withNodes = { nodes: s.nodes, csiNodes: s.nodes, storageClasses: benchClasses().length };
  return stage === 'nodes'
    ? { ...withNodes, pvcs: 0, pvs: 0 }
    : { ...withNodes, pvcs: s.claims, pvs: s.claims };
}

/** A fresh `serve` on the cluster as it is: ready time, RSS and heap after GC, what it cached. */
async function sampleServe(
  ctx: BenchContext,
  env: Environment,
  s: Settings,
  stage: Stage,
  rep: number,
): Promise<MemorySample> {
  const serve = await startServe(ctx, env, `kube-converge-${stage}-${rep}`, {
    gcOnSignal: true,
    timeoutMs: 600_000,
  });
  const pid = serve.process.pid;
  try {
    const samples = await scrape(serve.metricsUrl);
    const cache: CacheCounts = {};
    for (const kind of ['nodes', 'namespaces', 'pvcs', 'pvs', 'storageClasses', 'csiNodes'])
      cache[kind] = sumOf(samples, 'kube_converge_cache_objects', { kind });
    const wrong = Object.entries(expectedCounts(s, stage)).filter(([k, n]) => cache[k] !== n);
    if (wrong.length > 0)
      throw new Error(
        `serve at stage ${stage} cached ${JSON.stringify(cache)}, expected ${JSON.stringify(expectedCounts(s, stage))}`,
      );
    await sleep(SETTLE_MS);
    const before = residentBytes(pid);
    process.kill(pid, 'SIGUSR2');
    const series: number[] = [];
    for (let waited = 0; waited < AFTER_GC_MS; waited += 1000) {
      await sleep(1000);
      series.push(residentBytes(pid).rss);
    }
    const after = residentBytes(pid);
    const m = await scrape(serve.metricsUrl);
    return {
      readyMs: serve.readyMs,
      rssBefore: before.rss,
      rssAfterGc: series,
      rss: after.rss,
      peak: after.peak,
      heapUsed: sumOf(m, 'kube_converge_nodejs_heap_size_used_bytes'),
      heapTotal: sumOf(m, 'kube_converge_nodejs_heap_size_total_bytes'),
      external: sumOf(m, 'kube_converge_nodejs_external_memory_bytes'),
      cache,
    };
  } finally {
    await serve.process.stop(5_000);
  }
}

interface Loaded {
  readonly rates: Record<string, CreationRate>;
  readonly seconds: number;
}

async function loadNodes(ctx: BenchContext, api: KubeApi, s: Settings): Promise<Loaded> {
  const t0 = performance.now();
  const rates: Record<string, CreationRate> = {};
  for (const sc of benchClasses()) await api.create('/apis/storage.k8s.io/v1/storageclasses', forCreate(sc));
  ctx.log(`memory: creating ${s.nodes} Nodes (with status) and ${s.nodes} CSINodes`);
  rates['Nodes'] = await createMany(api, s.nodes, IN_FLIGHT, (i) => apiNode(i));
  rates['CSINodes'] = await createMany(api, s.nodes, IN_FLIGHT, (i) => apiCsiNode(i));
  return { rates, seconds: (performance.now() - t0) / 1000 };
}

async function loadClaims(ctx: BenchContext, api: KubeApi, s: Settings): Promise<Loaded> {
  const t0 = performance.now();
  const rates: Record<string, CreationRate> = {};
  for (let n = 0; n < s.namespaces; n++) await api.create('/api/v1/namespaces', apiNamespace(`ns-${n}`).body);
  ctx.log(`memory: creating ${s.claims} PVs`);
  rates['PVs'] = await createMany(api, s.claims, IN_FLIGHT, (i) => apiPV(i, s.namespaces));
  ctx.log(`memory: ${Math.round(rates['PVs'].perSecond)} PVs/s; creating ${s.claims} PVCs`);
  rates['PVCs'] = await createMany(api, s.claims, IN_FLIGHT, (i) => apiPVC(i, s.namespaces));
  ctx.log(`memory: ${Math.round(rates['PVCs'].perSecond)} PVCs/s`);
  return { rates, seconds: (performance.now() - t0) / 1000 };
}

async function measureStage(
  ctx: BenchContext,
  env: Environment,
  s: Settings,
  stage: Stage,
): Promise<MemorySample[]> {
  const out: MemorySample[] = [];
  for (let rep = 0; rep < ctx.reps; rep++) {
    const m = await sampleServe(ctx, env, s, stage, rep);
    ctx.log(
      `memory ${stage} #${rep + 1}: ready in ${(m.readyMs / 1000).toFixed(1)} s, RSS ${(m.rss / MiB).toFixed(1)} MiB after GC (${(m.rssBefore / MiB).toFixed(1)} before), heap ${(m.heapUsed / MiB).toFixed(1)} MiB`,
    );
    out.push(m);
  }
  return out;
}

function cachedObjects(c: CacheCounts): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/** Per repetition: (loaded − base) / objects, for a memory measure. */
function perObject(
  loaded: readonly MemorySample[],
  base: readonly MemorySample[],
  objects: number,
  key: 'rss' | 'heapUsed',
): number[] {
  return loaded.map((m, i) => (m[key] - (base[i] ?? m)[key]) / objects);
}

function buildFigures(
  s: Settings,
  samples: Record<Stage, MemorySample[]>,
  loads: readonly Loaded[],
): { figures: Figure[]; all: Figure; claimsOnly: Figure; objects: number } {
  const { empty, nodes, full } = samples;
  const objects = cachedObjects(full[0]?.cache ?? {}) - cachedObjects(empty[0]?.cache ?? {});
  const claimObjects = 2 * s.claims + s.namespaces;
  const group = 'Resident memory of `serve --kubeconfig` after a full GC, cache synced';
  const empties = { label: 'empty cluster', values: empty.map((m) => m.rss / MiB) };
  const heapEmpties = { label: 'empty cluster', values: empty.map((m) => m.heapUsed / MiB) };
  const rows: Array<[string, string, MemorySample[]]> = [
    ['nodes', `${short(s.nodes)} Nodes + ${short(s.nodes)} CSINodes`, nodes],
    ['full', `+ ${short(s.claims)} PVCs + ${short(s.claims)} PVs`, full],
  ];
  const figures: Figure[] = rows.flatMap(([id, label, list]) => [
    figure({
      id: `memory.rss.${id}`,
      group,
      label,
      metric: 'RSS MiB',
      better: 'lower',
      values: list.map((m) => m.rss / MiB),
      baseline: empties,
    }),
    figure({
      id: `memory.heap.${id}`,
      group,
      label,
      metric: 'heap used MiB',
      better: 'lower',
      values: list.map((m) => m.heapUsed / MiB),
      baseline: heapEmpties,
    }),
  ]);
  const perGroup = 'Bytes per cached object (loaded − baseline) / objects';
  const all = figure({
    id: 'memory.bytesPerObject.all',
    group: perGroup,
    label: `all ${short(objects)} objects, baseline: the empty cluster`,
    metric: 'B/object (RSS)',
    better: 'lower',
    values: perObject(full, empty, objects, 'rss'),
  });
  const claimsOnly = figure({
    id: 'memory.bytesPerObject.claims',
    group: perGroup,
    label: `PVCs and PVs only (${short(claimObjects)}), baseline: the Nodes stage`,
    metric: 'B/object (RSS)',
    better: 'lower',
    values: perObject(full, nodes, claimObjects, 'rss'),
  });
  figures.push(
    all,
    figure({
      id: 'memory.heapPerObject.all',
      group: perGroup,
      label: all.label,
      metric: 'B/object (heap)',
      better: 'lower',
      values: perObject(full, empty, objects, 'heapUsed'),
    }),
    claimsOnly,
    figure({
      id: 'memory.heapPerObject.claims',
      group: perGroup,
      label: claimsOnly.label,
      metric: 'B/object (heap)',
      better: 'lower',
      values: perObject(full, nodes, claimObjects, 'heapUsed'),
    }),
  );
  for (const [kind, rate] of loads.flatMap((l) => Object.entries(l.rates)))
    figures.push(
      figure({
        id: `memory.create.${kind}`,
        group: `Loading the cluster: POST over one keep-alive agent, ${IN_FLIGHT} in flight (once)`,
        label: `${short(rate.objects)} ${kind}`,
        metric: 'objects/s',
        better: 'higher',
        values: [rate.perSecond],
      }),
    );
  return { figures, all, claimsOnly, objects };
}

/**
 * The target is about a large cache: a quick run's 10k claims are dominated by fixed costs (the
 * process, the lists' transient), so it is reported as not measured there, as benchmark 1 does.
 */
function targetsOf(
  quick: boolean,
  on: string,
  all: Figure,
  claimsOnly: Figure,
  objects: number,
): TargetCheck[] {
  const rows: Array<[string, Figure]> = [
    [`${on}: (RSS loaded − RSS empty) / all ${short(objects)} cached objects`, all],
    [`${on}: PVCs and PVs only (baseline: the Nodes stage)`, claimsOnly],
  ];
  return rows.map(([what, f]) =>
    quick
      ? notMeasured(TARGET, `${what} (a --quick run)`)
      : check(TARGET, what, f, { value: (v) => v <= 1024 }),
  );
}

const mib = (values: readonly number[]): string => `${(quantile(values, 0.5) / MiB).toFixed(0)} MiB`;

function methodOf(
  s: Settings,
  samples: Record<Stage, MemorySample[]>,
  loads: readonly Loaded[],
  extra: { apiserverRss: number; etcdRss: number; load: [number, number] },
): string[] {
  const ready = (st: Stage): string =>
    `${(
      quantile(
        samples[st].map((m) => m.readyMs),
        0.5,
      ) / 1000
    ).toFixed(1)} s`;
  const retries = loads.flatMap((l) => Object.values(l.rates)).reduce((a, r) => a + r.retries, 0);
  return [
    'Server under test: `node --expose-gc --import dist/.bench/bench/lib/gc-on-signal.js dist/.bench/src/cli/bin.js serve --kubeconfig <admin kubeconfig>` (this tree; default flags, log level info), against the end-to-end harness’s etcd (`--unsafe-no-fsync`) and kube-apiserver v1.34 on loopback; no kube-controller-manager, scheduler or webhook configuration (nothing else writes to the cluster while it is measured).',
    `Cluster: ${short(s.nodes)} Nodes as kubelets register them (labels, annotations, conditions, 30 images: ~7 KB of JSON each) with ${short(s.nodes)} CSINodes (Portworx driver), 4 StorageClasses, ${s.namespaces} namespaces, ${short(s.claims)} Portworx CSI PVs and ${short(s.claims)} PVCs pre-bound to them (claimRef / volumeName, the PV controller’s annotations; their status stays Pending: no controller runs). Loaded once: ${loads
      .flatMap((l) => Object.entries(l.rates))
      .map(([k, r]) => `${k} ${Math.round(r.perSecond)}/s`)
      .join(
        ', ',
      )} (${retries} retried requests), ${Math.round(loads.reduce((a, l) => a + l.seconds, 0))} s in all.`,
    `Three stages — the empty cluster (the baseline), Nodes + CSINodes + classes, everything — each measured ${samples.empty.length} times with a fresh process: start, list and watch until /readyz (median ${ready('empty')}, ${ready('nodes')} and ${ready('full')}), check that \`kube_converge_cache_objects\` holds exactly what was created, wait ${SETTLE_MS / 1000} s, force two full GCs (SIGUSR2 → \`gc()\`), wait ${AFTER_GC_MS / 1000} s (V8 unmaps freed pages in the background), read VmRSS from /proc and the heap from /metrics (\`kube_converge_nodejs_heap_size_used_bytes\`).`,
    `Bytes per cached object: (RSS loaded − RSS empty) / every object the cache gained, paired by repetition; “PVCs and PVs only” takes the Nodes stage as its baseline instead, isolating the claims and volumes. RSS before the forced GC (median): ${mib(samples.empty.map((m) => m.rssBefore))}, ${mib(samples.nodes.map((m) => m.rssBefore))}, ${mib(samples.full.map((m) => m.rssBefore))}; peak (VmHWM) at the full stage ${mib(samples.full.map((m) => m.peak))}. After the GC, by stage: V8 heap committed (heap total) ${STAGES.map((st) => mib(samples[st].map((m) => m.heapTotal))).join(' / ')}, used ${STAGES.map((st) => mib(samples[st].map((m) => m.heapUsed))).join(' / ')}; RSS outside the V8 heap (RSS − heap total: code, native allocations, what the allocator keeps) ${STAGES.map((st) => mib(samples[st].map((m) => m.rss - m.heapTotal))).join(' / ')}.`,
    `For scale, the same minute: kube-apiserver ${(extra.apiserverRss / MiB).toLocaleString('en-US', { maximumFractionDigits: 0 })} MiB RSS, etcd ${(extra.etcdRss / MiB).toFixed(0)} MiB. 1-minute load average ${extra.load[0].toFixed(2)} at the start of this benchmark, ${extra.load[1].toFixed(2)} at its end (2 cores).`,
  ];
}

async function run(ctx: BenchContext): Promise<BenchRun> {
  const s = ctx.quick ? QUICK : FULL;
  const load0 = os.loadavg()[0] ?? 0;
  const t0 = performance.now();
  ctx.log('memory: starting etcd and kube-apiserver (the e2e harness)');
  const env = await startControlPlane('bench-memory', false);
  const api = adminApi(env, IN_FLIGHT + 8);
  try {
    const samples = {} as Record<Stage, MemorySample[]>;
    const loads: Loaded[] = [];
    const phases: Record<string, number> = {};
    for (const stage of STAGES) {
      const tl = performance.now();
      if (stage === 'nodes') loads.push(await loadNodes(ctx, api, s));
      if (stage === 'full') loads.push(await loadClaims(ctx, api, s));
      const tm = performance.now();
      samples[stage] = await measureStage(ctx, env, s, stage);
      phases[`${stage}.load`] = (tm - tl) / 1000;
      phases[`${stage}.measure`] = (performance.now() - tm) / 1000;
    }
    const apiserverRss = residentBytes(env.plane.apiserver.pid).rss;
    const etcdRss = residentBytes(env.plane.etcd.pid).rss;
    const { figures, all, claimsOnly, objects } = buildFigures(s, samples, loads);
    const on = `${short(s.claims)} PVCs + ${short(s.claims)} PVs + ${short(s.nodes)} Nodes`;
    return {
      method: methodOf(s, samples, loads, {
        apiserverRss,
        etcdRss,
        load: [load0, os.loadavg()[0] ?? 0],
      }),
      figures,
      targets: targetsOf(ctx.quick, on, all, claimsOnly, objects),
      details: {
        settings: s,
        samples,
        creation: loads.map((l) => l.rates),
        phasesSeconds: phases,
        apiserverRssBytes: apiserverRss,
        etcdRssBytes: etcdRss,
        loadAverage: { start: load0, end: os.loadavg()[0] ?? 0 },
        seconds: (performance.now() - t0) / 1000,
        runDir: env.runDir,
      },
    };
  } finally {
    api.close();
    await env.stop();
  }
}

export const memoryBenchmark: Benchmark = {
  id: 'memory',
  title: 'Memory of serve with 100k PVCs + 100k PVs + 5k Nodes in the informer cache',
  targets: [`${TARGET} (resident set size and bytes per cached object, against a real kube-apiserver)`],
  run,
};
