/**
 * Our product as the cluster sees it: `node dist/cli/bin.js serve` in its own process group, talking to
 * the API server with the admin kubeconfig, serving the webhook on 127.0.0.1 with a certificate of the
 * run's webhook CA. Restarts keep the ports (the webhook configuration and the scheduler name them).
 */
import { existsSync } from 'node:fs';
import type { ControlPlane } from './control-plane.js';
import { launch } from './launch.js';
import { CLI_ENTRY, signalGroup } from './lifecycle.js';
import type { Pki } from './pki.js';
import type { ManagedProcess, ProcessRegistry } from './processes.js';
import { answers200, fetchText } from './util.js';

export interface KubeConvergeOptions {
  /** More `serve` flags, e.g. ['--placement', 'pv-node-affinity']. */
  readonly args?: readonly string[];
  /** Default: $KC_E2E_LOG_LEVEL or debug (extender calls are logged at debug: useful when a test fails). */
  readonly logLevel?: string;
  /** Its kubeconfig when not the admin one (the watch gate's, or a ServiceAccount's token). */
  readonly kubeconfigFile?: string;
  /** Process name and log file (logs/<name>.log); default kube-converge. Several may run side by side. */
  readonly name?: string;
  /** More environment, e.g. the KUBE_CONVERGE_* variables a chart renders (the flags above still win). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The process makes its own serving certificate (`--cert-mode self`, given by `env` or `args`): no
   * --tls-* flags, and no probe of the webhook port with the run's webhook CA.
   */
  readonly ownCertificate?: boolean;
  /**
   * What `start` waits for: `ready` (default; /readyz 200) or `listening` (/healthz 200: for a process
   * expected to stay unready, e.g. one denied a permission it needs).
   */
  readonly waitFor?: 'ready' | 'listening';
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function sumOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

export class DistMissingError extends Error {
  constructor() {
    super(`${CLI_ENTRY} does not exist: run \`npm run build\` first (the e2e global setup does it)`);
    this.name = 'DistMissingError';
  }
}

type Ports = Readonly<Record<'webhook' | 'extender' | 'metrics', number>>;

export class KubeConverge {
  process: ManagedProcess | undefined;
  ports: Ports | undefined;

  constructor(
    private readonly registry: ProcessRegistry,
    private readonly plane: ControlPlane,
    private readonly pki: Pki,
    private readonly options: KubeConvergeOptions = {},
  ) {}

  get webhookUrl(): string {
    return `https://127.0.0.1:${this.requirePorts().webhook}/mutate`;
  }
  get extenderUrl(): string {
    return `http://127.0.0.1:${this.requirePorts().extender}`;
  }
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.requirePorts().metrics}`;
  }
  get logFile(): string {
    return `${this.registry.runDir}/logs/${this.options.name ?? 'kube-converge'}.log`;
  }

  private requirePorts(): Ports {
    if (!this.ports) throw new Error('kube-converge has not been started');
    return this.ports;
  }

  /** Starts it (again: on the same ports) and waits for /readyz: caches synced, certificate loaded. */
  async start(): Promise<void> {
    if (!existsSync(CLI_ENTRY)) throw new DistMissingError();
    const logLevel = this.options.logLevel ?? process.env.KC_E2E_LOG_LEVEL ?? 'debug';
    const own = this.options.ownCertificate === true;
    const probe = this.options.waitFor === 'listening' ? 'healthz' : 'readyz';
    const { process: proc, ports } = await launch(this.registry, {
      name: this.options.name ?? 'kube-converge',
      command: process.execPath,
      ports: ['webhook', 'extender', 'metrics'] as const,
      ...(this.ports ? { fixedPorts: this.ports } : {}),
      args: (p) => [
        CLI_ENTRY,
        'serve',
        '--kubeconfig',
        this.options.kubeconfigFile ?? this.plane.kubeconfigFile,
        ...(own
          ? []
          : ['--tls-cert-file', this.pki.webhookCertFile, '--tls-key-file', this.pki.webhookKeyFile]),
        '--bind-address',
        '127.0.0.1',
        '--webhook-port',
        String(p.webhook),
        '--extender-port',
        String(p.extender),
        '--metrics-port',
        String(p.metrics),
        '--shutdown-grace',
        '1000',
        '--log-level',
        logLevel,
        ...(this.options.args ?? []),
      ],
      ready: (p) => answers200(`http://127.0.0.1:${p.metrics}/${probe}`),
      env: { ...this.options.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
      timeoutMs: 60_000,
    });
    this.process = proc;
    this.ports = ports;
    // The webhook's own probe, over the TLS the API server will use.
    if (own || probe !== 'readyz') return;
    if (!(await answers200(`https://127.0.0.1:${ports.webhook}/readyz`, { ca: this.pki.webhookCaCert })))
      throw new Error('kube-converge: the webhook port does not answer /readyz over TLS');
  }

  async stop(): Promise<void> {
    await this.process?.stop(5_000);
  }

  /** SIGKILL: the way a crash looks to the API server. */
  async kill(): Promise<void> {
    const p = this.process;
    if (!p?.running()) return;
    signalGroup(p.pid, 'SIGKILL');
    await p.exited;
  }

  async restart(): Promise<void> {
    if (this.process?.running()) await this.stop();
    await this.start();
  }

  async ready(): Promise<boolean> {
    return answers200(`${this.metricsUrl}/readyz`);
  }

  /** /readyz's body: which checks fail and why. */
  async readiness(): Promise<{ status: number; body: string }> {
    return fetchText(`${this.metricsUrl}/readyz?verbose`);
  }

  async metrics(): Promise<Sample[]> {
    const r = await fetchText(`${this.metricsUrl}/metrics`);
    if (r.status !== 200) throw new Error(`GET /metrics: HTTP ${r.status}`);
    return parseMetrics(r.body);
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return sumOf(await this.metrics(), name, labels);
  }

  /** Calls our extender directly, as kube-scheduler does (nodeCacheCapable: NodeNames). */
  async extender(verb: 'filter' | 'prioritize', pod: object, nodeNames: readonly string[]): Promise<unknown> {
    const r = await fetchText(`${this.extenderUrl}/${verb}`, {
      method: 'POST',
      body: JSON.stringify({ Pod: pod, Nodes: null, NodeNames: nodeNames }),
    });
    if (r.status !== 200) throw new Error(`POST /${verb}: HTTP ${r.status} ${r.body}`);
    return JSON.parse(r.body) as unknown;
  }
}
