/**
 * Issue 5's "done when", against the real control plane (etcd, kube-apiserver, kube-controller-manager
 * and kube-scheduler of the cache; no Docker, no kubelet):
 *
 * 1. every object the chart renders, in each certificate mode and the main value combinations, is
 *    accepted by kube-apiserver (server-side dry run, strict field validation, no warnings) — but the
 *    cert-manager and Prometheus Operator objects, whose CRDs this cluster does not have: those are
 *    skipped, and only those (checked);
 * 2. the chart's RBAC is created for real, and kube-converge runs with a token of the chart's
 *    ServiceAccount (TokenRequest), configured by the environment the chart gives its container: its
 *    caches sync, `self` mode creates its Secret and writes the caBundle of the chart's webhook
 *    configuration (created as rendered, only the Service swapped for a loopback URL), kube-apiserver
 *    then calls it and trusts it; a live read finds a just-created claim; the pod watch counts pods;
 * 3. the rendered KubeSchedulerConfiguration (as stored in the chart's ConfigMap) starts the real
 *    kube-scheduler with a token of the chart's scheduler ServiceAccount: it takes and renews its own
 *    lease and schedules a pod with managed storage onto the node holding its data, via our extender;
 * 4. least privilege, proven: kube-converge once per permission the chart grants, with exactly that
 *    permission taken away — the capability it exists for fails every time (the cache never syncs or
 *    misses changes, the live read fails, the pod gauge stays empty, no event, no certificate, no
 *    renewal, no caBundle) while the full-RBAC process passes the same probe; and
 *    SelfSubjectAccessReviews show what the ServiceAccounts must not do is denied.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_REASON } from '../../src/contract/keys.js';
import { makeCA } from '../../src/tls/certs.js';
import { findObject, renderChart, type K8sObject } from '../chart/render.js';
import { schedulerDeployment, serverDeployment, webhookConfiguration } from '../chart/select.js';
import type { AccessCase } from './chart/access.js';
import { programAccess, schedulerAccess } from './chart/access.js';
import type { RawApi } from './chart/api.js';
import { DRY_RUN_COMBO_NAMES, dryRunCombos } from './chart/combos.js';
import {
  apiAs,
  createIdentity,
  kubeconfigFor,
  openChartCluster,
  type ChartCluster,
} from './chart/context.js';
import { LIVE_READS } from './chart/live-reads.js';
import {
  FORBIDDEN,
  entryText,
  logEntries,
  readiness,
  reviewOf,
  scheduleNameSet,
  waitLog,
  type LogEntry,
} from './chart/probes.js';
import { describePermission, keyOf } from './chart/rbac.js';
import {
  CRD_GROUPS,
  atUrl,
  describeObject,
  groupOf,
  localSchedulerConfig,
  programEnv,
  schedulerFlags,
} from './chart/release.js';
import { CACHED, PROBED, startVariants, type Variant, type Variants } from './chart/variants.js';
import {
  PORTWORX,
  boundVolume,
  claimVolume,
  createCluster,
  createNodes,
  pod,
  portworxPV,
} from './harness/fixtures.js';
import { KubeConverge } from './harness/kube-converge.js';
import { MERGE_PATCH, waitEvent, waitScheduled } from './harness/kube.js';
import { scenario, useEnvironment } from './harness/jest.js';
import { freePort, sleep, until } from './harness/util.js';
import { waitWebhookActive } from './harness/webhook.js';

const env = useEnvironment({ name: 'chart', kubeConverge: false });

/** The release kube-converge and the scheduler run from. */
const RELEASE = 'kc';
const NS = 'kube-converge';
/** Where the test workloads live (not excluded by the chart's namespaceSelector). */
const APPS = 'apps';
/** The dry runs and the least-privilege variants: namespaces of their own, no name clashes. */
const DRY_NS = 'dry-run';
const LP_NS = 'lp';
const REPLICA_NODE = 'node-b2';
const DAY = 86_400_000;

let cluster: ChartCluster;
const admin = (): RawApi => cluster.api;

beforeAll(async () => {
  cluster = await openChartCluster(env());
  const { kube } = env();
  await createCluster(kube);
  for (const ns of [NS, APPS, DRY_NS, LP_NS]) await kube.createNamespace(ns);
  await boundVolume(kube, { namespace: APPS, claim: 'data', replicaNodes: [REPLICA_NODE] });
}, 120_000);

afterAll(async () => {
  await cluster?.gate.close();
});

const cacheCount = (kc: KubeConverge, metric: string) =>
  kc.metric('kube_converge_cache_objects', { kind: metric });
const liveReads = (kc: KubeConverge, kind: string, result: string) =>
  kc.metric('kube_converge_cache_live_read_results_total', { kind, result });
const hyperconverged = (kc: KubeConverge) => kc.metric('kube_converge_pods', { placement: 'hyperconverged' });

async function accessOf(who: RawApi, cases: readonly AccessCase[]): Promise<Record<string, boolean>> {
  return Object.fromEntries(await Promise.all(cases.map(async ([what, a]) => [what, await who.allowed(a)])));
}
const expectedAccess = (cases: readonly AccessCase[]): Record<string, boolean> =>
  Object.fromEntries(cases.map(([what, , allowed]) => [what, allowed]));

// ====================================================================== 1. every object, dry run

describe('every object the chart renders is accepted by kube-apiserver (dry run, strict fields)', () => {
  let caPem = '';
  beforeAll(async () => {
    caPem = (await makeCA({ commonName: 'chart e2e provided CA', validDays: 30 })).cert;
  });

  it('the CRD groups skipped below are really unknown to this API server, the built-in ones known', async () => {
    for (const [apiVersion, kind] of [
      ['cert-manager.io/v1', 'Certificate'],
      ['cert-manager.io/v1', 'Issuer'],
      ['monitoring.coreos.com/v1', 'ServiceMonitor'],
    ] as const) {
      expect([apiVersion, kind, await admin().resourceOf(apiVersion, kind)]).toEqual([
        apiVersion,
        kind,
        undefined,
      ]);
    }
    expect(
      await admin().resourceOf('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'),
    ).toEqual({
      name: 'mutatingwebhookconfigurations',
      namespaced: false,
    });
  });

  it.each(DRY_RUN_COMBO_NAMES)(
    '%s',
    async (name) => {
      const values = dryRunCombos(caPem).find(([n]) => n === name)?.[1];
      const objects = await renderChart({ release: 'dry', namespace: DRY_NS, values });
      const rejected: string[] = [];
      const skipped: string[] = [];
      for (const o of objects) {
        if (!(await admin().resourceOf(o.apiVersion, o.kind))) {
          skipped.push(describeObject(o));
          continue;
        }
        const answer = await admin().create(o, { dryRun: true });
        if (answer.status !== 201)
          rejected.push(`${describeObject(o)}: HTTP ${answer.status} ${answer.body?.message}`);
        else if (answer.warnings.length > 0)
          rejected.push(`${describeObject(o)}: warnings ${answer.warnings.join(' | ')}`);
      }
      expect(rejected).toEqual([]);
      // Skipped: exactly the objects of the CRD groups (cert-manager, Prometheus Operator).
      expect(skipped).toEqual(objects.filter((o) => CRD_GROUPS.has(groupOf(o))).map(describeObject));
      const kinds = objects.map((o) => o.kind);
      for (const kind of [
        'Deployment',
        'Service',
        'MutatingWebhookConfiguration',
        'ClusterRole',
        'ServiceAccount',
      ])
        expect(kinds).toContain(kind);
    },
    60_000,
  );
});

// ====================================================================== 2-3. the chart's RBAC alone

let objects: K8sObject[] = [];
/** kube-converge as the chart's ServiceAccount, configured by the chart's environment (`self` mode). */
let main: KubeConverge;
/** The CA main serves from: its Secret's ca.crt. */
let mainCa = '';
let programSA = '';
let schedulerSA = '';

describe("kube-converge and kube-scheduler under the chart's RBAC alone", () => {
  beforeAll(async () => {
    const e = env();
    objects = await renderChart({ release: RELEASE, namespace: NS });
    programSA = serverDeployment(objects).spec.template.spec.serviceAccountName;
    schedulerSA = schedulerDeployment(objects).spec.template.spec.serviceAccountName;
    // As `helm install` would, minus the Deployments: the RBAC, the scheduler's ConfigMap, and the
    // webhook configuration called at main's loopback port instead of through the Service.
    const ports = { webhook: await freePort(), extender: await freePort(), metrics: await freePort() };
    await createIdentity(cluster, objects);
    await admin().mustCreate(findObject(objects, 'ConfigMap', schedulerDeployment(objects).metadata.name));
    await admin().mustCreate(
      atUrl(webhookConfiguration(objects), `https://127.0.0.1:${ports.webhook}/mutate`),
    );

    main = new KubeConverge(e.registry, e.plane, e.pki, {
      kubeconfigFile: await kubeconfigFor(cluster, NS, programSA, cluster.gateServer),
      env: programEnv(objects, NS),
      ownCertificate: true,
    });
    main.ports = ports; // the webhook configuration names them
    await main.start();
  }, 120_000);

  scenario(
    'kube-converge runs as the chart ServiceAccount and is ready: every cache listed and watching',
    env,
    async () => {
      expect((await (await apiAs(cluster, NS, programSA)).whoAmI()).username).toBe(
        `system:serviceaccount:${NS}:${programSA}`,
      );
      expect(await readiness(main)).toEqual({ status: 200, failing: {} });
      // The caches hold the cluster: five nodes and their CSINodes, three classes, the bound claim.
      expect(await cacheCount(main, 'nodes')).toBe(5);
      expect(await cacheCount(main, 'csiNodes')).toBe(5);
      expect(await cacheCount(main, 'storageClasses')).toBe(3);
      expect(await cacheCount(main, 'pvcs')).toBe(1);
      // Its API traffic really goes through the gate, with its own token.
      expect(cluster.gate.watches).toContain('/api/v1/persistentvolumeclaims');
      expect(logEntries(main.logFile).filter((l) => FORBIDDEN.test(entryText(l)))).toEqual([]);
    },
  );

  scenario(
    'self mode under the chart RBAC: the first start creates the Secret and writes the caBundle, which kube-apiserver trusts',
    env,
    async () => {
      const { kube } = env();
      const vars = programEnv(objects, NS);
      const secret = await kube.core.readNamespacedSecret({
        namespace: NS,
        name: vars.KUBE_CONVERGE_CERT_SECRET ?? '',
      });
      expect(secret.type).toBe('kubernetes.io/tls');
      expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
      expect(logEntries(main.logFile).map((l) => l.msg)).toContain('created the certificate Secret');
      mainCa = Buffer.from(secret.data?.['ca.crt'] ?? '', 'base64').toString('utf8');

      const config = await kube.admission.readMutatingWebhookConfiguration({
        name: vars.KUBE_CONVERGE_WEBHOOK_CONFIG_NAME ?? '',
      });
      const bundles = (config.webhooks ?? []).map((w) =>
        Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8'),
      );
      expect(bundles).toEqual([mainCa]);
      const served = new X509Certificate(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64'));
      expect(served.checkIssued(new X509Certificate(mainCa))).toBe(true);
      expect(served.subjectAltName).toContain(`DNS:${RELEASE}-kube-converge.${NS}.svc`);

      // kube-apiserver calls it with that caBundle, through the chart's rules, selector and conditions.
      await waitWebhookActive(kube, APPS);
      const reviews = () => main.metric('kube_converge_admission_reviews_total');
      const before = await reviews();
      const routed = await kube.createPod(pod(APPS, 'routed', { volumes: [claimVolume('data')] }));
      expect(routed.spec?.schedulerName).toBe('kube-converge');
      expect(await reviews()).toBe(before + 1);
      // No volume: the matchConditions keep it away; the release namespace is excluded.
      expect((await kube.createPod(pod(APPS, 'plain'))).spec?.schedulerName).toBe('default-scheduler');
      const own = await kube.core.createNamespacedPod({
        namespace: NS,
        body: pod(NS, 'own', { volumes: [claimVolume('data')] }),
        dryRun: 'All',
      });
      expect(own.spec?.schedulerName).toBe('default-scheduler');
      expect(await reviews()).toBe(before + 1);
    },
  );

  scenario('a review that needs a live read of a just-created claim is decided with it', env, async () => {
    const { kube } = env();
    const found = await liveReads(main, 'PersistentVolumeClaim', 'found');
    const cached = await cacheCount(main, 'pvcs');
    cluster.gate.hold('/api/v1/persistentvolumeclaims');
    try {
      await kube.core.createNamespacedPersistentVolumeClaim({
        namespace: APPS,
        body: {
          metadata: { name: 'fresh' },
          spec: {
            storageClassName: 'px-immediate',
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        },
      });
      const review = reviewOf(APPS, 'reads-fresh', [claimVolume('fresh')]);
      expect(await scheduleNameSet(main.webhookUrl, mainCa, review)).toBe('kube-converge');
      expect(await cacheCount(main, 'pvcs')).toBe(cached); // not from the cache...
      expect(await liveReads(main, 'PersistentVolumeClaim', 'found')).toBe(found + 1); // ...but read
    } finally {
      cluster.gate.release();
    }
  });

  scenario(
    "the chart's KubeSchedulerConfiguration runs kube-scheduler as the chart's scheduler ServiceAccount: its own lease, the pod on the replica node via the extender",
    env,
    async () => {
      const e = env();
      const stored = await e.kube.core.readNamespacedConfigMap({
        namespace: NS,
        name: schedulerDeployment(objects).metadata.name,
      });
      const kubeconfig = await kubeconfigFor(cluster, NS, schedulerSA, e.plane.server);
      const config = localSchedulerConfig(stored.data?.['config.yaml'] ?? '', kubeconfig, main.extenderUrl);
      const configFile = join(e.runDir, 'chart-scheduler.json');
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      const calls = (verb: string) => main.metric('kube_converge_extender_requests_total', { verb });
      const before = { filter: await calls('filter'), prioritize: await calls('prioritize') };
      // In a pod, delegated authentication and authorization use its in-cluster identity: the same token.
      await e.plane.startSchedulerWith(configFile, [
        ...schedulerFlags(objects),
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
      ]);

      const { resourceName, resourceNamespace } = config.leaderElection as Record<string, string>;
      expect([resourceName, resourceNamespace]).toEqual(['kube-converge', NS]);
      const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${resourceNamespace}/leases/${resourceName}`;
      const lease = async () => (await admin().send('GET', leasePath)).body?.spec;
      const first = await until(
        'kube-scheduler holds its lease',
        async () => (await lease())?.holderIdentity && (await lease()),
        {
          timeoutMs: 30_000,
          intervalMs: 250,
        },
      );
      // Renewing is an update of that one lease: the chart's Role (system:kube-scheduler covers only "kube-scheduler").
      await until(
        'kube-scheduler renews its lease',
        async () => (await lease())?.renewTime !== first.renewTime,
        {
          timeoutMs: 20_000,
          intervalMs: 250,
        },
      );

      const scheduled = await waitScheduled(e.kube, APPS, 'routed', 60_000);
      expect(scheduled.spec?.nodeName).toBe(REPLICA_NODE);
      const bound = await waitEvent(e.kube, APPS, 'routed', 'Scheduled');
      expect(bound.reportingComponent || bound.source?.component).toBe('kube-converge');
      expect(await calls('filter')).toBeGreaterThan(before.filter);
      expect(await calls('prioritize')).toBeGreaterThan(before.prioritize);
      const refusals = readFileSync(join(e.runDir, 'logs', 'kube-scheduler.log'), 'utf8')
        .split('\n')
        .filter((l) => /forbidden/i.test(l));
      expect(refusals).toEqual([]);
    },
  );

  scenario(
    'the extender ranks the replica node first, and the pod watch counts the running pod',
    env,
    async () => {
      const { kube } = env();
      const routed = await kube.pod(APPS, 'routed');
      const nodes = ['node-a1', 'node-a2', 'node-b1', REPLICA_NODE];
      const ranked = (await main.extender('prioritize', routed, nodes)) as Array<{
        Host: string;
        Score: number;
      }>;
      const top = Math.max(...ranked.map((r) => r.Score));
      expect(ranked.filter((r) => r.Score === top).map((r) => r.Host)).toEqual([REPLICA_NODE]);
      // No kubelet: the test says the pod runs. The gauge comes from kube-converge's own list+watch of pods.
      await kube.core.patchNamespacedPodStatus(
        { namespace: APPS, name: 'routed', body: { status: { phase: 'Running' } } },
        MERGE_PATCH,
      );
      await until(
        'kube_converge_pods counts the pod as hyperconverged',
        async () => (await hyperconverged(main)) === 1,
        {
          timeoutMs: 20_000,
          intervalMs: 250,
        },
      );
    },
  );

  scenario(
    'SelfSubjectAccessReview: each ServiceAccount may do its job and none of the rest asked here',
    env,
    async () => {
      const program = programAccess({
        ns: NS,
        apps: APPS,
        secretName: programEnv(objects, NS).KUBE_CONVERGE_CERT_SECRET ?? '',
        webhookName: webhookConfiguration(objects).metadata.name,
        node: REPLICA_NODE,
      });
      expect(await accessOf(await apiAs(cluster, NS, programSA), program)).toEqual(expectedAccess(program));
      const scheduler = schedulerAccess({
        ns: NS,
        apps: APPS,
        lease: 'kube-converge',
        webhookName: webhookConfiguration(objects).metadata.name,
      });
      expect(await accessOf(await apiAs(cluster, NS, schedulerSA), scheduler)).toEqual(
        expectedAccess(scheduler),
      );
    },
  );
});

// ====================================================================== 4. least privilege

describe('least privilege: kube-converge without any one permission the chart grants', () => {
  let variants: Variants;
  const variant = (key: string): Variant => {
    const v = variants.without.get(key);
    if (!v) throw new Error(`no variant without ${key}`);
    return v;
  };

  beforeAll(async () => {
    variants = await startVariants(cluster, LP_NS);
  }, 240_000);

  it('every permission the chart grants has a probe below (a new one needs one), and only those', () => {
    const granted = [...variants.basePermissions, ...variants.selfPermissions];
    // Granted but never shown to be needed: take it out of the chart, or write the probe that needs it.
    expect(granted.filter((p) => !PROBED.has(keyOf(p))).map(describePermission)).toEqual([]);
    // Probed but not granted: the chart lost a permission the program needs.
    const keys = new Set(granted.map(keyOf));
    expect([...PROBED].filter((k) => !keys.has(k))).toEqual([]);
    expect(keys.size).toBe(granted.length);
  });

  scenario('without list on a cached kind, the cache never syncs: /readyz stays 503', env, async () => {
    for (const c of CACHED) {
      await waitLog(
        variant(`${c.key} list`).kc,
        'list failed; retrying',
        (l) => l.kind === c.kind && FORBIDDEN.test(entryText(l)),
        `kube-converge without list on ${c.key} is refused its list`,
      );
    }
    await sleep(2_000); // several retries later
    for (const c of CACHED) {
      const v = variant(`${c.key} list`).kc;
      expect([c.key, await readiness(v)]).toEqual([
        c.key,
        { status: 503, failing: { cache: 'the cluster cache has not synced yet' } },
      ]);
      // Only that kind: every other list succeeded.
      const refused = new Set(
        logEntries(v.logFile)
          .filter((l) => l.msg === 'list failed; retrying')
          .map((l) => l.kind),
      );
      expect([...refused]).toEqual([c.kind]);
    }
    expect((await readiness(main)).status).toBe(200);
  });

  scenario(
    'without watch on a cached kind or on pods, changes after the first list are never seen',
    env,
    async () => {
      const { kube } = env();
      for (const c of [...CACHED, { key: '/pods', kind: 'Pod' }]) {
        await waitLog(
          variant(`${c.key} watch`).kc,
          'watch ended with an error',
          (l) => l.kind === c.kind && FORBIDDEN.test(entryText(l)),
          `kube-converge without watch on ${c.key} listed, then was refused its watch`,
        );
      }
      const counts = async (kc: KubeConverge): Promise<Record<string, number>> =>
        Object.fromEntries(
          await Promise.all(CACHED.map(async (c) => [c.metric, await cacheCount(kc, c.metric)])),
        );
      const mainBefore = await counts(main);
      const podsBefore = await hyperconverged(main);
      // Before any change, each of them agrees with the whole RBAC (so every first list is complete).
      const watchless = [...CACHED.map((c) => variant(`${c.key} watch`).kc), variant('/pods watch').kc];
      for (const kc of watchless) {
        await until(
          `${kc.logFile}: its caches hold what the whole RBAC's hold`,
          async () => JSON.stringify(await counts(kc)) === JSON.stringify(mainBefore),
          { timeoutMs: 20_000, intervalMs: 250 },
        );
      }
      await until(
        'kube-converge without watch on pods counts the running pods the whole RBAC counts',
        async () => (await hyperconverged(variant('/pods watch').kc)) === podsBefore,
        { timeoutMs: 20_000, intervalMs: 250 },
      );

      // One new object of each kind, and a pod that starts running on the node holding its data.
      await createNodes(kube, [{ name: 'lp-node', region: 'eu', zone: 'eu-c', driver: false }]);
      await kube.createNamespace('lp-new');
      await kube.core.createNamespacedPersistentVolumeClaim({
        namespace: APPS,
        body: {
          metadata: { name: 'lp-new' },
          spec: {
            storageClassName: '',
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        },
      });
      await kube.core.createPersistentVolume({ body: portworxPV('lp-new') });
      await kube.storage.createStorageClass({
        body: { metadata: { name: 'lp-new' }, provisioner: PORTWORX },
      });
      const running = pod(APPS, 'lp-running', { volumes: [claimVolume('data')] });
      if (running.spec) running.spec.nodeName = REPLICA_NODE; // bound at creation: no scheduler involved
      await kube.createPod(running);
      await kube.core.patchNamespacedPodStatus(
        { namespace: APPS, name: 'lp-running', body: { status: { phase: 'Running' } } },
        MERGE_PATCH,
      );

      const grewByOne = async (kc: KubeConverge, was: Record<string, number>, metrics: readonly string[]) =>
        (await Promise.all(metrics.map(async (m) => (await cacheCount(kc, m)) === (was[m] ?? 0) + 1))).every(
          Boolean,
        );
      // The whole RBAC sees all of it...
      await until(
        'kube-converge with the whole RBAC sees every new object and the running pod',
        async () =>
          (await grewByOne(
            main,
            mainBefore,
            CACHED.map((c) => c.metric),
          )) && (await hyperconverged(main)) === podsBefore + 1,
        { timeoutMs: 20_000, intervalMs: 250 },
      );
      // ...each process without one watch sees the other kinds' changes, never its own kind's.
      for (const c of CACHED) {
        const others = CACHED.filter((o) => o.key !== c.key).map((o) => o.metric);
        await until(
          `kube-converge without watch on ${c.key} sees the new objects of the other kinds`,
          () => grewByOne(variant(`${c.key} watch`).kc, mainBefore, others),
          { timeoutMs: 20_000, intervalMs: 250 },
        );
      }
      await sleep(1_500);
      for (const c of CACHED) {
        const count = await cacheCount(variant(`${c.key} watch`).kc, c.metric);
        expect([c.key, count]).toEqual([c.key, mainBefore[c.metric]]);
      }
      expect(await hyperconverged(variant('/pods watch').kc)).toBe(podsBefore);
    },
  );

  scenario('without list on pods, the hyperconvergence gauge never counts a pod', env, async () => {
    const v = variant('/pods list').kc;
    await waitLog(
      v,
      'list failed; retrying',
      (l) => l.kind === 'Pod' && FORBIDDEN.test(entryText(l)),
      'its pod list is refused',
    );
    // Ready (its caches are fine), yet nothing counted, while the whole RBAC counts two running pods.
    expect((await readiness(v)).status).toBe(200);
    expect(await hyperconverged(main)).toBe(2);
    expect(await v.metric('kube_converge_pods')).toBe(0);
  });

  scenario(
    'without get on claims, volumes or classes, the one live read fails and the pod is left alone',
    env,
    async () => {
      const { kube, pki } = env();
      for (const probe of LIVE_READS) {
        const v = variant(probe.key).kc;
        const before = {
          found: await liveReads(main, probe.kind, 'found'),
          error: await liveReads(v, probe.kind, 'error'),
        };
        cluster.gate.hold(probe.hold);
        try {
          const review = reviewOf(APPS, `lr-${probe.kind.toLowerCase()}`, [await probe.setUp(kube, APPS)]);
          expect([probe.key, await scheduleNameSet(main.webhookUrl, mainCa, review)]).toEqual([
            probe.key,
            'kube-converge',
          ]);
          expect(await liveReads(main, probe.kind, 'found')).toBe(before.found + 1);
          expect([probe.key, await scheduleNameSet(v.webhookUrl, pki.webhookCaCert, review)]).toEqual([
            probe.key,
            undefined,
          ]);
          expect(await liveReads(v, probe.kind, 'error')).toBe(before.error + 1);
        } finally {
          cluster.gate.release();
        }
        const failed = logEntries(v.logFile).find(
          (l) => l.msg === 'live read failed' && l.kind === probe.kind,
        );
        expect(failed && FORBIDDEN.test(entryText(failed))).toBe(true);
      }
    },
  );

  scenario('without create on events, no NonOptimumScheduling event is recorded', env, async () => {
    const { kube } = env();
    const v = variant('/events create').kc;
    // The replica node is not among the candidates: kube-converge warns on the pod.
    const call = (kc: KubeConverge, name: string) =>
      kc.extender(
        'prioritize',
        { metadata: { name, namespace: APPS, uid: `uid-${name}` }, spec: { volumes: [claimVolume('data')] } },
        ['node-a1', 'node-c1'],
      );
    await call(main, 'ev-whole-rbac');
    await call(v, 'ev-no-events');
    const recorded = await waitEvent(kube, APPS, 'ev-whole-rbac', EVENT_REASON.nonOptimumScheduling);
    expect(recorded.message).toContain(REPLICA_NODE);
    const failed = await waitLog(
      v,
      'could not record event',
      (l) => FORBIDDEN.test(entryText(l)),
      'its event is refused',
    );
    expect(failed.pod).toBe(`${APPS}/ev-no-events`);
    expect(await kube.events(APPS, 'ev-no-events')).toEqual([]);
  });

  scenario(
    'self mode without any one of its Secret or webhook-configuration permissions: no certificate, no renewal or no caBundle',
    env,
    async () => {
      const { kube } = env();
      const secret = (name = '') =>
        kube.core.readNamespacedSecret({ namespace: LP_NS, name }).catch((err: { code?: number }) => {
          if (err.code === 404) return undefined;
          throw err;
        });
      const caBundles = async (name = '') =>
        ((await kube.admission.readMutatingWebhookConfiguration({ name })).webhooks ?? []).map(
          (w) => w.clientConfig.caBundle ?? '',
        );
      // The API server's refusal names the verb: the failure is the missing permission's, no other.
      const refused = (v: Variant) => (l: LogEntry) =>
        entryText(l).includes(`cannot ${v.permission?.verb ?? '?'} resource`);

      // No Secret can be read, or none made: no certificate, never ready.
      for (const key of ['/secrets get', '/secrets create']) {
        const v = variant(key);
        await waitLog(
          v.kc,
          'certificate Secret sync failed; no certificate to serve yet',
          refused(v),
          `kube-converge without ${key} cannot sync its Secret`,
        );
        expect(await readiness(v.kc)).toMatchObject({
          status: 503,
          failing: { certificate: 'no serving certificate is loaded' },
        });
        expect(await secret(v.secretName)).toBeUndefined();
      }

      // No update: an ageing certificate is never renewed, while the whole RBAC renews the same one.
      const renewed = async (name?: string) => {
        const pem = Buffer.from((await secret(name))?.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
        return pem !== '' && new Date(new X509Certificate(pem).validTo).getTime() > Date.now() + 300 * DAY;
      };
      await until(
        'the whole RBAC renews its ageing certificate',
        () => renewed(variants.renewing.secretName),
        {
          timeoutMs: 30_000,
        },
      );
      const noUpdate = variant('/secrets update');
      await waitLog(
        noUpdate.kc,
        'certificate Secret sync failed; still serving the current certificate',
        refused(noUpdate),
        'kube-converge without update on its Secret cannot renew',
      );
      expect(await renewed(noUpdate.secretName)).toBe(false);
      expect((await secret(noUpdate.secretName))?.metadata?.resourceVersion).toBe(noUpdate.agedVersion);

      // No get or patch on its webhook configuration: the Secret is made, the caBundle never written.
      for (const key of [
        'admissionregistration.k8s.io/mutatingwebhookconfigurations get',
        'admissionregistration.k8s.io/mutatingwebhookconfigurations patch',
      ]) {
        const v = variant(key);
        await waitLog(
          v.kc,
          'cannot update the caBundle; will retry',
          refused(v),
          `kube-converge without ${key} cannot write the caBundle`,
        );
        expect(await secret(v.secretName)).toBeDefined();
        expect(await caBundles(v.webhookName)).toEqual(['']);
      }
      // The whole RBAC wrote its caBundle (main's is checked above; this is the renewing release's).
      expect((await caBundles(variants.renewing.webhookName))[0]).not.toBe('');
    },
  );
});
