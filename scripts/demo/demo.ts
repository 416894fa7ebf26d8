/**
 * `make demo`: the examples on a real local control plane. Starts etcd, kube-apiserver,
 * kube-controller-manager, kube-converge and kube-scheduler (the e2e harness, test/e2e/harness),
 * creates examples/cluster in the API server (Nodes with a status, CSINodes, StorageClasses, PVs and
 * claims pre-bound), applies examples/workloads.yaml, waits for the scheduler, then prints what the
 * webhook decided, where each pod landed, and why (kube-converge's own scoring of the pod against the
 * live cluster: the `score` command's report). Tears everything down, also on Ctrl-C.
 *
 * Compiled with scripts/demo/tsconfig.json to dist/.demo/ and run by node (see the Makefile).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { KubernetesObject, V1Node, V1Pod } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { renderScoreReport } from '../../src/cli/score.js';
import { InformerView, SILENT_LOGGER } from '../../src/cluster/informer/index.js';
import { DEFAULT_PROVISIONERS } from '../../src/contract/index.js';
import { evaluatePod } from '../../src/extender/evaluate.js';
import { placementSources } from '../../src/placement/configured.js';
import { Environment } from '../../test/e2e/harness/environment.js';
import type { Kube } from '../../test/e2e/harness/kube.js';
import { podScheduledCondition } from '../../test/e2e/harness/kube.js';
import { REPO_ROOT, installSafetyNet } from '../../test/e2e/harness/lifecycle.js';
import { sleep } from '../../test/e2e/harness/util.js';

const CLUSTER_DIR = join(REPO_ROOT, 'examples/cluster');
const WORKLOADS = join(REPO_ROOT, 'examples/workloads.yaml');
const NS = 'shop';
/** Cluster kinds in the order they can be created (a claim after its class and volume). */
const ORDER = ['Namespace', 'StorageClass', 'Node', 'CSINode', 'PersistentVolume', 'PersistentVolumeClaim'];

type Obj = KubernetesObject & Record<string, unknown>;

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Every object of a YAML file, `kind: List` flattened. */
function readManifests(file: string): Obj[] {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const obj = doc.toJS() as Obj | null;
    if (!obj) continue;
    if (obj.kind === 'List') out.push(...((obj.items as Obj[] | undefined) ?? []));
    else out.push(obj);
  }
  return out;
}

/** As the API server will take it: server-set fields dropped, fake Nodes given what a kubelet reports. */
function forCreate(obj: Obj): Obj {
  const metadata = { ...obj.metadata };
  delete metadata.creationTimestamp;
  const copy: Obj = { ...obj, metadata };
  if (obj.kind === 'PersistentVolume' || obj.kind === 'PersistentVolumeClaim') delete copy.status;
  if (obj.kind === 'Node') {
    const node = copy as V1Node;
    const resources = { cpu: '8', memory: '32Gi', pods: '110' };
    const now = new Date();
    node.status = {
      ...node.status,
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now }],
    };
  }
  return copy;
}

async function create(kube: Kube, obj: Obj): Promise<void> {
  try {
    await kube.create(obj);
  } catch (err) {
    // `default` exists already; anything else is a real problem.
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/**
 * Two objects the examples leave out because `mutate`/`score` do not need them, and a real cluster
 * does: a PV for the kafka StatefulSet's claim (the claim only exists once the controller makes it;
 * its replica is on node-3), and a local-path PV on node-4 for the `scratch` claim (no local-path
 * provisioner runs here).
 */
function demoExtras(): Obj[] {
  const pv = (name: string, spec: Record<string, unknown>): Obj => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', ...spec },
  });
  return [
    pv('pv-kafka-logs-0', {
      capacity: { storage: '20Gi' },
      storageClassName: 'px-replicated',
      claimRef: { namespace: NS, name: 'logs-kafka-0' },
      csi: { driver: 'pxd.portworx.com', volumeHandle: '3094851234' },
    }),
    pv('pv-scratch', {
      capacity: { storage: '1Gi' },
      storageClassName: 'local-path',
      hostPath: { path: '/var/local-path/scratch' },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-4'] }] },
          ],
        },
      },
    }),
  ];
}

async function createCluster(kube: Kube): Promise<void> {
  const objects = readdirSync(CLUSTER_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => readManifests(join(CLUSTER_DIR, f)));
  const ordered = [...objects, ...demoExtras()].sort(
    (a, b) => ORDER.indexOf(a.kind ?? '') - ORDER.indexOf(b.kind ?? ''),
  );
  for (const obj of ordered) await create(kube, forCreate(obj));
  // node-labels placement for the kafka volume (examples/cluster/nodes.yaml does it for the others).
  await kube.labelNode('node-3', { 'pv-kafka-logs-0': 'true' });
}

/** Polls until every pod of `ns` is bound or has not changed for a while (some wait for ever). */
async function settle(kube: Kube, timeoutMs: number): Promise<V1Pod[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stableSince = Date.now();
  for (;;) {
    const pods = await kube.pods(NS);
    const state = pods.map((p) => `${p.metadata?.name}:${p.spec?.nodeName ?? ''}`).join(',');
    if (state !== last) [last, stableSince] = [state, Date.now()];
    const bound = pods.filter((p) => p.spec?.nodeName);
    const stable = Date.now() - stableSince > 5_000 && pods.length > 0;
    if ((pods.length > 0 && bound.length === pods.length) || stable || Date.now() > deadline) return pods;
    await sleep(500);
  }
}

interface Decision {
  readonly subject: string;
  readonly outcome: string;
  readonly reason: string;
}

/** The webhook's decisions, from kube-converge's JSON log (one `admission decision` line each). */
function decisions(logFile: string): Decision[] {
  const out = new Map<string, Decision>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg !== 'admission decision' || entry.dryRun === true) continue;
    const subject = String(entry.subject);
    if (subject.includes(` ${NS}/`))
      out.set(subject, { subject, outcome: String(entry.outcome), reason: String(entry.reason) });
  }
  return [...out.values()];
}

const indent = (text: string): string => text.replace(/^(?=.)/gm, '  ');

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function placement(pod: V1Pod): string {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const c = podScheduledCondition(pod);
  if (c.message) return `Pending: ${c.message}`;
  return `Pending (no scheduler named ${pod.spec?.schedulerName ?? '?'} runs here)`;
}

/** kube-converge's scoring of each pod it scheduled, on a fresh informer view of the live cluster. */
async function explain(env: Environment, pods: readonly V1Pod[]): Promise<void> {
  const view = new InformerView(env.kube.kc, { logger: SILENT_LOGGER });
  await view.start();
  await view.whenSynced();
  try {
    const nodes = [...view.nodes()].map((n) => n.name).sort();
    const deps = {
      view,
      provisioners: new Set(DEFAULT_PROVISIONERS),
      sources: placementSources({ placement: ['node-labels', 'pv-node-affinity'] }),
      scale: 'linear' as const,
    };
    // One pod per owner: a ReplicaSet's or DaemonSet's pods are scored alike.
    const shown = new Set<string>();
    for (const pod of pods.filter((p) => p.spec?.schedulerName === 'kube-converge')) {
      const owner = pod.metadata?.ownerReferences?.[0]?.uid ?? pod.metadata?.uid ?? '';
      if (shown.has(owner)) continue;
      shown.add(owner);
      const e = await evaluatePod(pod, nodes, deps);
      say(indent(renderScoreReport(e)).trimEnd());
      say(`  -> ${placement(pod)}`);
      say();
    }
  } finally {
    await view.stop();
  }
}

async function report(env: Environment): Promise<void> {
  const pods = (await settle(env.kube, 45_000)).sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  say('What the webhook decided (kube-converge log, "admission decision"):');
  const rows = [['OBJECT', 'OUTCOME', 'REASON']];
  for (const d of decisions(env.kc.logFile)) rows.push([d.subject, d.outcome, d.reason]);
  say(indent(table(rows)));
  say();
  say('Where the pods landed:');
  const podRows = [['POD', 'SCHEDULER', 'NODE']];
  for (const p of pods) podRows.push([p.metadata?.name ?? '', p.spec?.schedulerName ?? '', placement(p)]);
  say(indent(table(podRows)));
  say();
  say(
    "Why: kube-converge's filter and scores for the pods it scheduled (one per owner), as `kube-converge score`",
  );
  say('prints them, computed on the live cluster:');
  say();
  await explain(env, pods);
}

async function main(): Promise<void> {
  installSafetyNet();
  const started = Date.now();
  say('kube-converge demo: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kube-converge');
  say('as local processes (scripts/control-plane), the examples applied, then torn down.');
  const env = await Environment.start({ name: 'demo', kubeConverge: { logLevel: 'info' } });
  say(
    `control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s; logs: ${relative(REPO_ROOT, env.runDir)}/logs`,
  );
  try {
    await createCluster(env.kube);
    for (const obj of readManifests(WORKLOADS)) await create(env.kube, forCreate(obj));
    say(`applied examples/cluster (+ 2 demo PVs) and examples/workloads.yaml; waiting for the scheduler...`);
    say();
    await report(env);
  } finally {
    await env.stop();
    say(`stopped every process (${((Date.now() - started) / 1000).toFixed(1)} s in all).`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
