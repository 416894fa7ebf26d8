/**
 * kube-converge on the host, as k3s sees it: `node dist/cli/bin.js serve` on 127.0.0.1, reached from
 * inside the k3s container as host.testcontainers.internal through testcontainers' SSH port forwarder
 * (its host end dials localhost:<port>). Its webhook certificate names host.testcontainers.internal
 * (what the API server checks) and 127.0.0.1 (our own readiness probe). Its API traffic goes through
 * the e2e WatchGate, which scenario 8 uses to hold back its PVC watch.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ExtenderFilterResult } from '../../../src/extender/wire.js';
import { makeCA, makeServingCert, type PemPair } from '../../../src/tls/certs.js';
import { DistMissingError, parseMetrics, sumOf } from '../../e2e/harness/kube-converge.js';
import { launch } from '../../e2e/harness/launch.js';
import { CLI_ENTRY } from '../../e2e/harness/lifecycle.js';
import type { ManagedProcess, ProcessRegistry } from '../../e2e/harness/processes.js';
import { answers200, fetchText } from '../../e2e/harness/util.js';
import { WatchGate } from '../../e2e/harness/watch-gate.js';

/** The name testcontainers gives the host inside containers started after exposeHostPorts. */
export const HOST_ALIAS = 'host.testcontainers.internal';

export type Ports = Readonly<Record<'webhook' | 'extender' | 'metrics', number>>;

export interface HostCerts {
  readonly ca: PemPair;
  /** DNS:host.testcontainers.internal, DNS:localhost, IP:127.0.0.1 — the webhook and the gate. */
  readonly serving: PemPair;
}

export async function makeHostCerts(): Promise<HostCerts> {
  const ca = await makeCA({ commonName: 'kube-converge k3s suite CA', validDays: 7 });
  const serving = await makeServingCert({
    ca,
    dnsNames: [HOST_ALIAS, 'localhost'],
    ipAddresses: ['127.0.0.1'],
    validDays: 7,
  });
  return { ca, serving };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** k3s's admin credentials, from its kubeconfig (client-node keeps the *-data fields base64). */
export function adminCredentials(kc: KubeConfig): { ca: string; cert: string; key: string } {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster?.caData || !user?.certData || !user.keyData)
    throw new Error("k3s's kubeconfig has no CA or client certificate data: cannot set up the watch gate");
  return { ca: unb64(cluster.caData), cert: unb64(user.certData), key: unb64(user.keyData) };
}

/**
 * The gate in front of k3s (via `upstreamPort` on 127.0.0.1, see relay.ts) and the kubeconfig that
 * points kube-converge at it: the gate serves our certificate, and presents k3s's admin one upstream.
 */
export async function startGate(
  runDir: string,
  certs: HostCerts,
  admin: { ca: string; cert: string; key: string },
  upstreamPort: number,
): Promise<{ gate: WatchGate; kubeconfigFile: string }> {
  const gate = new WatchGate({
    port: () => upstreamPort,
    ca: admin.ca,
    clientCert: admin.cert,
    clientKey: admin.key,
    servingCert: certs.serving.cert,
    servingKey: certs.serving.key,
  });
  const port = await gate.start();
  const kubeconfigFile = join(runDir, 'kube-converge.kubeconfig');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'k3s-gate',
        cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': b64(certs.ca.cert) },
      },
    ],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': b64(admin.cert), 'client-key-data': b64(admin.key) },
      },
    ],
    contexts: [{ name: 'k3s-gate', context: { cluster: 'k3s-gate', user: 'admin' } }],
    'current-context': 'k3s-gate',
  };
  await writeFile(kubeconfigFile, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
  return { gate, kubeconfigFile };
}

export class HostKubeConverge {
  private constructor(
    readonly process: ManagedProcess,
    readonly ports: Ports,
  ) {}

  /** The URLs the cluster uses (from inside the k3s container). */
  get webhookUrl(): string {
    return `https://${HOST_ALIAS}:${this.ports.webhook}/mutate`;
  }
  get extenderUrlInCluster(): string {
    return `http://${HOST_ALIAS}:${this.ports.extender}`;
  }

  /**
   * Starts it on `ports`, fixed in advance: they were exposed to the container before it started
   * (exposeHostPorts must come first), so a clash is a failure, not a retry on other ports.
   */
  static async start(
    registry: ProcessRegistry,
    o: { ports: Ports; kubeconfigFile: string; certFile: string; keyFile: string; caPem: string },
  ): Promise<HostKubeConverge> {
    if (!existsSync(CLI_ENTRY)) throw new DistMissingError();
    const { process: proc } = await launch(registry, {
      name: 'kube-converge',
      command: process.execPath,
      ports: ['webhook', 'extender', 'metrics'] as const,
      fixedPorts: o.ports,
      args: (p) => [
        CLI_ENTRY,
        'serve',
        ...['--kubeconfig', o.kubeconfigFile, '--tls-cert-file', o.certFile, '--tls-key-file', o.keyFile],
        // Loopback is enough: the forwarder's host end connects from this machine.
        ...['--bind-address', '127.0.0.1'],
        ...['--webhook-port', String(p.webhook), '--extender-port', String(p.extender)],
        ...['--metrics-port', String(p.metrics), '--shutdown-grace', '1000'],
        ...['--log-level', process.env.KC_E2E_LOG_LEVEL ?? 'debug'],
      ],
      ready: (p) => answers200(`http://127.0.0.1:${p.metrics}/readyz`),
      env: { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
      timeoutMs: 60_000,
    });
    if (!(await answers200(`https://127.0.0.1:${o.ports.webhook}/readyz`, { ca: o.caPem }))) {
      await proc.stop(2_000);
      throw new Error('kube-converge: the webhook port does not answer /readyz over TLS');
    }
    return new HostKubeConverge(proc, o.ports);
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const r = await fetchText(`http://127.0.0.1:${this.ports.metrics}/metrics`);
    if (r.status !== 200) throw new Error(`GET /metrics: HTTP ${r.status}`);
    return sumOf(parseMetrics(r.body), name, labels);
  }

  /** Calls the extender's /filter as kube-scheduler does (nodeCacheCapable: node names). */
  async filter(pod: object, nodeNames: readonly string[]): Promise<ExtenderFilterResult> {
    const r = await fetchText(`http://127.0.0.1:${this.ports.extender}/filter`, {
      method: 'POST',
      body: JSON.stringify({ Pod: pod, Nodes: null, NodeNames: nodeNames }),
    });
    if (r.status !== 200) throw new Error(`POST /filter: HTTP ${r.status} ${r.body}`);
    return JSON.parse(r.body) as ExtenderFilterResult;
  }
}
