/**
 * One k3s environment: K3s in a container (testcontainers), kube-converge on the host, the
 * MutatingWebhookConfiguration by URL, the fake Nodes, and the secondary scheduler inside k3s.
 *
 * Start order matters:
 * 1. Docker is checked first: without it the suite fails with DockerMissingError, never skips.
 * 2. kube-converge's ports are chosen and exposed BEFORE the container starts: testcontainers writes
 *    host.testcontainers.internal into the /etc/hosts of containers started after exposeHostPorts.
 * 3. kube-converge starts once k3s's API answers (it needs the kubeconfig), the webhook configuration
 *    once it is ready (failurePolicy Fail would refuse pods before), the scheduler last (its extender
 *    must answer).
 *
 * Process bookkeeping is the e2e harness's: the run dir lives under test/e2e/.run/ (git-ignored), so
 * a kube-converge left behind by a killed run is stopped by the next e2e or k3s run's sweep; the
 * container is removed by testcontainers' reaper (Ryuk) when this process ends.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { TestContainers } from 'testcontainers';
import { Kube, waitScheduled } from '../../e2e/harness/kube.js';
import { logTail } from '../../e2e/harness/launch.js';
import { RUNS_ROOT, sweepRuns } from '../../e2e/harness/lifecycle.js';
import { pod as e2ePod } from '../../e2e/harness/fixtures.js';
import { ProcessRegistry } from '../../e2e/harness/processes.js';
import { freePort } from '../../e2e/harness/util.js';
import type { WatchGate } from '../../e2e/harness/watch-gate.js';
import { FAIL_POLICY, applyWebhookConfiguration, waitWebhookActive } from '../../e2e/harness/webhook.js';
import { createFakeCluster, createNamespace, realNodeName } from './cluster.js';
import { requireDocker } from './docker.js';
import { HostKubeConverge, adminCredentials, makeHostCerts, startGate, type Ports } from './kube-converge.js';
import { startRelay } from './relay.js';
import { SCHEDULER_NAME, deployScheduler, schedulerImageFor, schedulerLog } from './scheduler.js';

/**
 * A Kubernetes 1.34 k3s. Not verified from this project (no Docker engine here): the tag follows
 * rancher/k3s's vX.Y.Z-k3sN scheme; KC_K3S_IMAGE picks another one.
 */
export const K3S_IMAGE = process.env.KC_K3S_IMAGE ?? 'rancher/k3s:v1.34.1-k3s1';
const K3S_API_PORT = 6443;

type Cleanup = () => Promise<unknown>;

function runId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `k3s-${t}-${process.pid}`;
}

export class K3sEnvironment {
  private constructor(
    readonly runDir: string,
    readonly kube: Kube,
    readonly kc: HostKubeConverge,
    readonly gate: WatchGate,
    /** The k3s container's own node (a real kubelet, no Portworx driver). */
    readonly realNode: string,
    private readonly cleanups: Cleanup[],
  ) {}

  static async start(): Promise<K3sEnvironment> {
    await requireDocker();
    sweepRuns(); // kube-converge processes of killed earlier runs (never a live owner's)
    const runDir = join(RUNS_ROOT, runId());
    mkdirSync(join(runDir, 'logs'), { recursive: true });
    const registry = new ProcessRegistry(runDir);
    const cleanups: Cleanup[] = [() => registry.stopAll(5_000)];
    try {
      return await K3sEnvironment.build(runDir, registry, cleanups);
    } catch (err) {
      (err as Error).message +=
        `\n(run dir ${runDir})\n${logTail(join(runDir, 'logs', 'kube-converge.log'), 30)}`;
      await runCleanups(cleanups);
      throw err;
    }
  }

  private static async build(
    runDir: string,
    registry: ProcessRegistry,
    cleanups: Cleanup[],
  ): Promise<K3sEnvironment> {
    const certs = await makeHostCerts();
    const certFile = join(runDir, 'webhook.crt');
    const keyFile = join(runDir, 'webhook.key');
    await writeFile(certFile, certs.serving.cert);
    await writeFile(keyFile, certs.serving.key, { mode: 0o600 });
    const ports: Ports = { webhook: await freePort(), extender: await freePort(), metrics: await freePort() };
    await TestContainers.exposeHostPorts(ports.webhook, ports.extender);

    const container = await startK3s();
    cleanups.push(() => container.stop());
    const kubeconfig = container.getKubeConfig();
    await writeFile(join(runDir, 'admin.kubeconfig'), kubeconfig, { mode: 0o600 });
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    const kube = new Kube(config);
    const realNode = await realNodeName(kube);

    const relay = await startRelay(container.getHost(), container.getMappedPort(K3S_API_PORT));
    cleanups.push(() => relay.close());
    const { gate, kubeconfigFile } = await startGate(runDir, certs, adminCredentials(config), relay.port);
    cleanups.push(() => gate.close());

    const kc = await HostKubeConverge.start(registry, {
      ports,
      kubeconfigFile,
      certFile,
      keyFile,
      caPem: certs.ca.cert,
    });
    cleanups.push(() => registry.stopAll(5_000)); // stopped first: before the API it talks to
    await applyWebhookConfiguration(kube, kc.webhookUrl, certs.ca.cert, FAIL_POLICY);
    await waitWebhookActive(kube);
    await createFakeCluster(kube);
    await deployScheduler(kube, {
      image: process.env.KC_K3S_SCHEDULER_IMAGE ?? (await schedulerImageFor(kube)),
      extenderUrl: kc.extenderUrlInCluster,
      nodeName: realNode,
    });
    await waitSchedulerServes(kube);
    return new K3sEnvironment(runDir, kube, kc, gate, realNode, cleanups);
  }

  /** Stops kube-converge, the gate, the relay and the container (newest first); the logs stay. */
  async stop(): Promise<void> {
    await runCleanups(this.cleanups);
  }

  /** The end of kube-converge's log and the scheduler pod's, for a failure report. */
  async logTails(lines = 40): Promise<string> {
    const file = join(this.runDir, 'logs', 'kube-converge.log');
    return [
      `----- kube-converge (last ${lines} lines; ${file})\n${logTail(file, lines)}`,
      `----- kube-converge scheduler pod (kube-system)\n${await schedulerLog(this.kube, lines)}`,
    ].join('\n');
  }
}

async function startK3s(): Promise<StartedK3sContainer> {
  return new K3sContainer(K3S_IMAGE)
    .withCommand([
      'server',
      '--disable=traefik',
      // Pre-bound claims are bound on the PV controller's next sync: 1 s, not 15 s (as in the e2e suite).
      '--kube-controller-manager-arg=pvclaimbinder-sync-period=1s',
    ])
    .start();
}

/**
 * The scheduler is Ready, but does it schedule through our extender? A pod of its profile without
 * volumes is bound only when /filter and /prioritize answered (ignorable: false), so once it is bound
 * the whole path works.
 */
async function waitSchedulerServes(kube: Kube): Promise<void> {
  const ns = 'k3s-probe';
  await createNamespace(kube, ns);
  await kube.createPod(e2ePod(ns, 'scheduler-probe', { schedulerName: SCHEDULER_NAME }));
  await waitScheduled(kube, ns, 'scheduler-probe', 120_000);
  await kube.deletePod(ns, 'scheduler-probe');
}

async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (err) {
      process.stderr.write(`k3s suite: cleanup failed: ${(err as Error).message}\n`);
    }
  }
}
