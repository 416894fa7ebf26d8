/**
 * One measured run of benchmark 4 (scheduling.ts), and the cluster it runs on: create N pods as
 * fast as kube-apiserver takes them, watch until every one is bound, note where each landed and what
 * CPU the scheduling path used, then force-delete them all.
 */
import { performance } from 'node:perf_hooks';
import type { Environment } from '../../test/e2e/harness/environment.js';
import type { ManagedProcess } from '../../test/e2e/harness/processes.js';
import {
  SCHED_NAMESPACE,
  apiCsiNode,
  apiNamespace,
  benchNodeName,
  boundStatus,
  forCreate,
  replicaNodeIndex,
  schedClaimObject,
  schedNode,
  schedPod,
  schedVolumeObject,
} from '../fixtures/api-cluster.js';
import { benchClasses } from '../fixtures/objects.js';
import { scrape, sumOf, type ServeProcess } from '../lib/harness.js';
import { createMany, forEachLimit, type KubeApi } from '../lib/kube-api.js';
import { cpuSeconds } from '../lib/proc.js';
import { latencyStats } from '../lib/stats.js';

/** Pod creates in flight (one keep-alive agent, admin client certificate). */
export const IN_FLIGHT = 32;
const BIND_TIMEOUT_MS = 180_000;
const PODS_PATH = `/api/v1/namespaces/${SCHED_NAMESPACE}/pods`;
/** Only bound pods: a pod enters this watch (as ADDED) when spec.nodeName is set. */
const BOUND_PODS = `fieldSelector=${encodeURIComponent('spec.nodeName!=')}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Who schedules a run's pods: the scheduler process and the schedulerName the pods carry. */
export interface Contender {
  readonly id: string;
  /** Unset: the default profile's `default-scheduler`. */
  readonly schedulerName?: string;
  readonly scheduler: ManagedProcess;
}

export interface RunResult {
  readonly pods: number;
  /** First create sent → last create answered, s. */
  readonly createSeconds: number;
  /** First create sent → last pod seen bound, s. */
  readonly seconds: number;
  readonly podsPerSecond: number;
  readonly onReplica: number;
  readonly sharePercent: number;
  /** Distinct nodes the pods landed on. */
  readonly nodesUsed: number;
  /** Times kube-apiserver ended our watch (it closes watchers that fall behind) and it was reopened. */
  readonly watchRestarts: number;
  /** Per pod, create sent → seen bound, ms. */
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
  /** CPU seconds over the run (first create → last bound): the contender's scheduler, and `serve`. */
  readonly cpu: { readonly scheduler: number; readonly serve: number };
  /** Our extender's own handling time per call (its histogram), and calls per pod, by verb. */
  readonly extender: Readonly<Record<string, { readonly meanMs: number; readonly callsPerPod: number }>>;
}

/** Force-deletes every pod of the namespace (no kubelet: grace 0) and waits until they are gone. */
export async function deleteAllPods(api: KubeApi): Promise<void> {
  await api.call('DELETE', `${PODS_PATH}?gracePeriodSeconds=0`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const left = await api.call<{ items: unknown[] }>('GET', `${PODS_PATH}?limit=1`);
    if (left.items.length === 0) break;
    if (Date.now() > deadline) throw new Error('pods still present 60 s after a force delete');
    await sleep(200);
  }
  // The schedulers' caches hear of the deletions by watch: let them catch up before the next run.
  await sleep(1_000);
}

/** What the pods still unbound say (their PodScheduled condition), for a failure message. */
async function whyPending(api: KubeApi): Promise<string> {
  const { items } = await api.list<{
    spec: { nodeName?: string };
    status?: { conditions?: { type: string; reason?: string; message?: string }[] };
  }>(PODS_PATH);
  const pending = items.filter((p) => !p.spec.nodeName);
  const reasons = new Map<string, number>();
  for (const p of pending) {
    const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
    const why = c ? `${c.reason ?? ''}: ${c.message ?? ''}` : 'no PodScheduled condition yet';
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  const summary = [...reasons].map(([why, k]) => `${k}× ${why}`).join('; ');
  return `the API has ${items.length - pending.length} bound and ${pending.length} unbound (${summary})`;
}

type Histogram = Record<string, { sum: number; count: number }>;

async function extenderHistogram(serve: ServeProcess): Promise<Histogram> {
  const samples = await scrape(serve.metricsUrl);
  const out: Histogram = {};
  for (const verb of ['filter', 'prioritize'])
    out[verb] = {
      sum: sumOf(samples, 'kube_converge_extender_duration_seconds_sum', { verb }),
      count: sumOf(samples, 'kube_converge_extender_duration_seconds_count', { verb }),
    };
  return out;
}

function extenderDelta(before: Histogram, after: Histogram, pods: number): RunResult['extender'] {
  const out: Record<string, { meanMs: number; callsPerPod: number }> = {};
  for (const verb of Object.keys(after)) {
    const calls = (after[verb]?.count ?? 0) - (before[verb]?.count ?? 0);
    const sum = (after[verb]?.sum ?? 0) - (before[verb]?.sum ?? 0);
    out[verb] = { meanMs: calls > 0 ? (1000 * sum) / calls : 0, callsPerPod: calls / pods };
  }
  return out;
}

interface Bound {
  readonly node: string;
  readonly at: number;
}

/** Waits until every pod is seen bound; a timeout is an error naming what the pods say. */
async function untilAllBound(
  api: KubeApi,
  env: Environment,
  who: Contender,
  done: Promise<void>,
  seen: () => number,
  n: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), BIND_TIMEOUT_MS);
  });
  const outcome = await Promise.race([done, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout')
    throw new Error(
      `${who.id}: only ${seen()} of ${n} pods bound after ${BIND_TIMEOUT_MS / 1000} s; ${await whyPending(api)}; logs:\n${env.logTails([who.scheduler.name, 'kube-converge'], 20)}`,
    );
}

/** Creates pods 0..n-1 for `who`, waits until every one is bound, force-deletes them. */
export async function scheduleOnce(
  api: KubeApi,
  env: Environment,
  serve: ServeProcess,
  who: Contender,
  n: number,
  nodes: number,
): Promise<RunResult> {
  const { items, resourceVersion } = await api.list(PODS_PATH);
  if (items.length > 0) throw new Error(`${items.length} pods left over before a run`);
  const bound = new Map<string, Bound>();
  let allBound: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allBound = resolve));
  const watch = await api.watchAlways(PODS_PATH, BOUND_PODS, resourceVersion, (type, obj, at) => {
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    const name = (obj['metadata'] as { name?: string } | undefined)?.name ?? '';
    const node = (obj['spec'] as { nodeName?: string } | undefined)?.nodeName;
    if (!node || bound.has(name)) return;
    bound.set(name, { node, at });
    if (bound.size === n) allBound();
  });
  try {
    const hist0 = await extenderHistogram(serve);
    const cpu0 = { scheduler: cpuSeconds(who.scheduler.pid), serve: cpuSeconds(serve.process.pid) };
    const sent: number[] = new Array<number>(n).fill(0);
    const t0 = performance.now();
    await forEachLimit(
      Array.from({ length: n }, (_, i) => i),
      IN_FLIGHT,
      (i) => {
        sent[i] = performance.now();
        return api.create(PODS_PATH, schedPod(i, who.schedulerName).body);
      },
    );
    const created = performance.now();
    await untilAllBound(api, env, who, done, () => bound.size, n);
    const cpu = {
      scheduler: cpuSeconds(who.scheduler.pid) - cpu0.scheduler,
      serve: cpuSeconds(serve.process.pid) - cpu0.serve,
    };
    const extender = extenderDelta(hist0, await extenderHistogram(serve), n);
    let last = 0;
    let onReplica = 0;
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = bound.get(`app-${i}`);
      if (!b) throw new Error(`pod app-${i} was never seen bound`);
      last = Math.max(last, b.at);
      latencies.push(b.at - (sent[i] ?? 0));
      if (b.node === benchNodeName(replicaNodeIndex(i, nodes))) onReplica++;
    }
    const seconds = (last - t0) / 1000;
    const l = latencyStats(latencies);
    return {
      pods: n,
      createSeconds: (created - t0) / 1000,
      seconds,
      podsPerSecond: n / seconds,
      onReplica,
      sharePercent: (100 * onReplica) / n,
      nodesUsed: new Set([...bound.values()].map((b) => b.node)).size,
      watchRestarts: watch.restarts(),
      latency: { p50: l.p50, p99: l.p99, max: l.max },
      cpu,
      extender,
    };
  } finally {
    watch.stop();
    await deleteAllPods(api);
  }
}

/**
 * Nodes (with the replica labels of their volumes) and CSINodes, the classes, and `volumes` bound
 * claims with their PVs, made as the PV controller leaves them (fixtures/api-cluster.ts).
 */
export async function loadCluster(api: KubeApi, nodes: number, volumes: number): Promise<number> {
  const t0 = performance.now();
  for (const sc of benchClasses()) await api.create('/apis/storage.k8s.io/v1/storageclasses', forCreate(sc));
  await api.create('/api/v1/namespaces', apiNamespace(SCHED_NAMESPACE).body);
  await createMany(api, nodes, IN_FLIGHT, (j) => schedNode(j, nodes, volumes));
  await createMany(api, nodes, IN_FLIGHT, (j) => apiCsiNode(j));
  await forEachLimit(
    Array.from({ length: volumes }, (_, i) => i),
    IN_FLIGHT,
    async (i) => {
      const c = schedClaimObject(i);
      const claim = await api.create<{ metadata: { uid: string } }>(c.path, c.body);
      const v = schedVolumeObject(i, claim.metadata.uid);
      await api.create(v.path, v.body);
      const status = boundStatus(i);
      await api.mergePatch(status.volume.path, status.volume.body);
      await api.mergePatch(status.claim.path, status.claim.body);
    },
  );
  const { items } = await api.list<{ status?: { phase?: string } }>(
    `/api/v1/namespaces/${SCHED_NAMESPACE}/persistentvolumeclaims`,
  );
  const boundClaims = items.filter((c) => c.status?.phase === 'Bound').length;
  if (boundClaims !== volumes) throw new Error(`only ${boundClaims} of ${volumes} claims are Bound`);
  return (performance.now() - t0) / 1000;
}
