/**
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler as processes, with the flag sets
 * measured in docs/control-plane.md. Loopback only, free ports, everything under one run dir.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch } from './launch.js';
import { adminKubeconfig, type Pki } from './pki.js';
import type { ManagedProcess, ProcessRegistry } from './processes.js';
import { answers200, fetchText } from './util.js';

/**
 * What kube-controller-manager runs: the controllers a cluster needs for this product's workloads
 * (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs), PV binding, the garbage
 * collector and namespace deletion, and the ServiceAccount controller (its `default` ServiceAccount is
 * our readiness signal). Not node-lifecycle: with no kubelet it would mark every fake Node NotReady
 * and taint it unreachable 50 s after start (docs/control-plane.md).
 */
export const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'persistentvolume-binder-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
] as const;

export interface SchedulerExtender {
  readonly urlPrefix: string;
  readonly weight: number;
}

export interface ControlPlaneOptions {
  readonly runDir: string;
  readonly bin: string;
  readonly registry: ProcessRegistry;
  readonly pki: Pki;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export class ControlPlane {
  etcd!: ManagedProcess;
  apiserver!: ManagedProcess;
  controllerManager: ManagedProcess | undefined;
  scheduler: ManagedProcess | undefined;
  etcdPort = 0;
  apiPort = 0;

  constructor(private readonly o: ControlPlaneOptions) {}

  get server(): string {
    return `https://127.0.0.1:${this.apiPort}`;
  }
  get etcdUrl(): string {
    return `http://127.0.0.1:${this.etcdPort}`;
  }
  get kubeconfigFile(): string {
    return join(this.o.runDir, 'admin.kubeconfig');
  }
  logFile(name: string): string {
    return join(this.o.runDir, 'logs', `${name}.log`);
  }

  /** etcd, then kube-apiserver; writes the admin kubeconfig. */
  async start(): Promise<void> {
    await this.startEtcd();
    await this.startApiServer();
    await writeFile(this.kubeconfigFile, adminKubeconfig(this.o.pki, this.server), { mode: 0o600 });
  }

  private async startEtcd(): Promise<void> {
    const dataDir = join(this.o.runDir, 'etcd-data');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const { process, ports } = await launch(this.o.registry, {
      name: 'etcd',
      command: join(this.o.bin, 'etcd'),
      ports: ['client', 'peer'] as const,
      args: (p) => [
        '--name=e2e',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=http://127.0.0.1:${p.client}`,
        `--advertise-client-urls=http://127.0.0.1:${p.client}`,
        `--listen-peer-urls=http://127.0.0.1:${p.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${p.peer}`,
        `--initial-cluster=e2e=http://127.0.0.1:${p.peer}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      ready: async (p) => {
        const r = await fetchText(`http://127.0.0.1:${p.client}/health`).catch(() => undefined);
        return r?.status === 200 && r.body.includes('"health":"true"');
      },
      timeoutMs: 30_000,
    });
    this.etcd = process;
    this.etcdPort = ports.client;
  }

  private apiserverArgs(port: number): string[] {
    const { pki } = this.o;
    return [
      `--etcd-servers=${this.etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${pki.dir}`,
      `--tls-cert-file=${pki.apiserverCertFile}`,
      `--tls-private-key-file=${pki.apiserverKeyFile}`,
      `--client-ca-file=${pki.caCertFile}`,
      `--service-account-issuer=https://127.0.0.1:${port}/`,
      `--service-account-key-file=${pki.saPubFile}`,
      `--service-account-signing-key-file=${pki.saKeyFile}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      // ServiceAccount: pods in a fresh namespace would wait for its default ServiceAccount.
      // TaintNodesByCondition: it taints every new Node not-ready, and no kubelet would clear it.
      '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
      // The loopback advertise address cannot be the `kubernetes` Endpoints' address: stop retrying.
      '--endpoint-reconciler-type=none',
      // On SIGTERM, open watches (ours, the scheduler's, the controllers') are given this long to
      // drain; without it the process stayed up past 15 s after it stopped listening (measured).
      '--shutdown-watch-termination-grace-period=2s',
    ];
  }

  private async apiReady(port: number): Promise<boolean> {
    const base = `https://127.0.0.1:${port}`;
    if (!(await answers200(`${base}/readyz`, { ca: this.o.pki.caCert }))) return false;
    // The bootstrap controller creates `default`; namespaced objects need it.
    return answers200(`${base}/api/v1/namespaces/default`, {
      ca: this.o.pki.caCert,
      cert: this.o.pki.adminCert,
      key: this.o.pki.adminKey,
    });
  }

  private async startApiServer(fixedPort?: number): Promise<void> {
    const { process, ports } = await launch(this.o.registry, {
      name: 'kube-apiserver',
      command: join(this.o.bin, 'kube-apiserver'),
      ports: ['secure'] as const,
      ...(fixedPort !== undefined ? { fixedPorts: { secure: fixedPort } } : {}),
      args: (p) => this.apiserverArgs(p.secure),
      ready: (p) => this.apiReady(p.secure),
      timeoutMs: 90_000,
    });
    this.apiserver = process;
    this.apiPort = ports.secure;
  }

  /** SIGTERM kube-apiserver, wait for it to exit; `restartApiServer` brings it back. */
  async stopApiServer(): Promise<void> {
    await this.apiserver.stop(15_000);
  }

  /** The same etcd, port and certificates: clients reconnect to the same URL. */
  async restartApiServer(): Promise<void> {
    if (this.apiserver.running()) await this.stopApiServer();
    await this.startApiServer(this.apiPort);
  }

  async startControllerManager(): Promise<void> {
    const { pki } = this.o;
    const { process } = await launch(this.o.registry, {
      name: 'kube-controller-manager',
      command: join(this.o.bin, 'kube-controller-manager'),
      ports: [] as const,
      args: () => [
        `--kubeconfig=${this.kubeconfigFile}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        `--controllers=${CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${pki.saKeyFile}`,
        `--root-ca-file=${pki.caCertFile}`,
        '--use-service-account-credentials=false',
        // A claim synced before its pre-bound PV reached the controller's cache waits for the next
        // periodic sync (default 15 s); tests create both back to back.
        '--pvclaimbinder-sync-period=1s',
      ],
      // With --secure-port=0 there is no /healthz: the default ServiceAccount says its controllers run.
      ready: () =>
        answers200(`${this.server}/api/v1/namespaces/default/serviceaccounts/default`, {
          ca: pki.caCert,
          cert: pki.adminCert,
          key: pki.adminKey,
        }),
      timeoutMs: 60_000,
    });
    this.controllerManager = process;
  }

  /**
   * kube-scheduler with two profiles: `default-scheduler` (pods kube-converge leaves alone) and
   * `kube-converge` (pods it routes). Extenders are shared by every profile of one scheduler process;
   * that is fine here because our extender passes a pod without managed storage unchanged (every node,
   * equal scores), and it saves a second scheduler process. The weight mirrors the chart's (30: the
   * node holding the data outranks anything the default plugins can add, charts values.yaml).
   */
  async startScheduler(extender: SchedulerExtender): Promise<void> {
    const configFile = join(this.o.runDir, 'scheduler.yaml');
    const config = {
      apiVersion: 'kubescheduler.config.k8s.io/v1',
      kind: 'KubeSchedulerConfiguration',
      clientConnection: { kubeconfig: this.kubeconfigFile },
      leaderElection: { leaderElect: false },
      profiles: [
        { schedulerName: 'default-scheduler' },
        { schedulerName: 'kube-converge', percentageOfNodesToScore: 100 },
      ],
      extenders: [
        {
          urlPrefix: extender.urlPrefix,
          filterVerb: 'filter',
          prioritizeVerb: 'prioritize',
          weight: extender.weight,
          nodeCacheCapable: true,
          httpTimeout: '5s',
          ignorable: false,
        },
      ],
    };
    await writeFile(configFile, JSON.stringify(config, null, 2));
    await this.startSchedulerWith(configFile, ['--v=2']);
  }

  /**
   * kube-scheduler with a configuration file of the caller's (e.g. a chart's KubeSchedulerConfiguration,
   * its clientConnection.kubeconfig naming the identity to run as) and more flags; waits for /readyz.
   */
  async startSchedulerWith(configFile: string, extraArgs: readonly string[] = []): Promise<ManagedProcess> {
    const { process } = await launch(this.o.registry, {
      name: 'kube-scheduler',
      command: join(this.o.bin, 'kube-scheduler'),
      ports: ['secure'] as const,
      args: (p) => [
        `--config=${configFile}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${p.secure}`,
        ...extraArgs,
      ],
      // /readyz is anonymous (docs/control-plane.md); its certificate is self-made, not checked.
      ready: (p) => answers200(`https://127.0.0.1:${p.secure}/readyz`, { insecure: true }),
      timeoutMs: 60_000,
    });
    this.scheduler = process;
    return process;
  }

  // ------------------------------------------------------------ etcd v3 HTTP gateway

  private async etcdCall(path: string, body: object): Promise<Record<string, unknown>> {
    const r = await fetchText(`${this.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`etcd ${path}: HTTP ${r.status} ${r.body}`);
    return JSON.parse(r.body) as Record<string, unknown>;
  }

  /** etcd's current revision (= the newest resourceVersion the API server can have handed out). */
  async etcdRevision(): Promise<number> {
    const r = await this.etcdCall('/v3/kv/range', { key: b64('/e2e/revision'), count_only: true });
    return Number((r.header as { revision?: string } | undefined)?.revision ?? NaN);
  }

  /** Writes a key outside the API server's /registry prefix: advances the revision, touches nothing. */
  async bumpEtcdRevision(): Promise<number> {
    await this.etcdCall('/v3/kv/put', { key: b64('/e2e/bump'), value: b64(String(Date.now())) });
    return this.etcdRevision();
  }

  /** Compacts etcd at its current revision: every older resourceVersion is gone (a watch from it: 410). */
  async compactEtcd(): Promise<number> {
    const revision = await this.etcdRevision();
    await this.etcdCall('/v3/kv/compaction', { revision: String(revision), physical: true });
    return revision;
  }
}
