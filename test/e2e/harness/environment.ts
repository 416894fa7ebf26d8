/**
 * One end-to-end environment: a run dir, etcd + kube-apiserver (+ kube-controller-manager,
 * + kube-converge, + its webhook configuration, + kube-scheduler wired to its extender), and the
 * admin client. `stop()` leaves no process behind; the logs stay in the run dir.
 *
 * Start order matters: the webhook configuration is created once kube-converge is ready (with
 * failurePolicy Fail, an earlier one would refuse pods), and the scheduler last (its extender must
 * answer).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RUNS_ROOT, controlPlaneBinDir } from './lifecycle.js';
import { ControlPlane } from './control-plane.js';
import { Kube } from './kube.js';
import { KubeConverge, type KubeConvergeOptions } from './kube-converge.js';
import { logTail } from './launch.js';
import { adminKubeconfig, makePki, type Pki } from './pki.js';
import { ProcessRegistry } from './processes.js';
import {
  FAIL_POLICY,
  applyWebhookConfiguration,
  settleWebhookChange,
  waitWebhookActive,
  type WebhookPolicy,
} from './webhook.js';
import { WatchGate } from './watch-gate.js';

export interface EnvironmentOptions {
  /** Names the run dir: test/e2e/.run/<name>-<time>-<pid>/. */
  readonly name: string;
  /** kube-controller-manager (default true). */
  readonly controllers?: boolean;
  /** kube-converge serve (default true; false for tests of the cluster view alone). */
  readonly kubeConverge?: boolean | KubeConvergeOptions;
  /** The webhook's failure policy and timeout (default Fail, 10 s). Needs kubeConverge. */
  readonly webhook?: WebhookPolicy;
  /** kube-scheduler with the kube-converge profile (default true). Needs kubeConverge. */
  readonly scheduler?: boolean;
  /** Extender weight (default 30, the chart's). */
  readonly extenderWeight?: number;
  /**
   * Route kube-converge's API traffic through a WatchGate (read-after-create: hold its PVC watch).
   * The API server's calls to the webhook do not pass it.
   */
  readonly watchGate?: boolean;
}

function runId(name: string): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${name}-${t}-${process.pid}`;
}

export class Environment {
  readonly kube: Kube;
  readonly kubeConverge: KubeConverge | undefined;

  private constructor(
    readonly runDir: string,
    readonly registry: ProcessRegistry,
    readonly pki: Pki,
    readonly plane: ControlPlane,
    kubeConverge: KubeConverge | undefined,
    readonly gate: WatchGate | undefined,
  ) {
    this.kube = Kube.fromFile(plane.kubeconfigFile);
    this.kubeConverge = kubeConverge;
  }

  /** kube-converge, which this environment was started with. */
  get kc(): KubeConverge {
    if (!this.kubeConverge) throw new Error('this environment runs no kube-converge');
    return this.kubeConverge;
  }

  static async start(options: EnvironmentOptions): Promise<Environment> {
    const bin = controlPlaneBinDir();
    const runDir = join(RUNS_ROOT, runId(options.name));
    mkdirSync(join(runDir, 'logs'), { recursive: true });
    const registry = new ProcessRegistry(runDir);
    let gate: { gate: WatchGate; kubeconfigFile: string } | undefined;
    try {
      const pki = await makePki(runDir);
      const plane = new ControlPlane({ runDir, bin, registry, pki });
      await plane.start();
      if (options.watchGate) gate = await startGate(runDir, pki, plane);
      const withKc = options.kubeConverge ?? true;
      const kc = withKc
        ? new KubeConverge(registry, plane, pki, {
            ...(typeof withKc === 'object' ? withKc : {}),
            ...(gate ? { kubeconfigFile: gate.kubeconfigFile } : {}),
          })
        : undefined;
      const env = new Environment(runDir, registry, pki, plane, kc, gate?.gate);
      // Independent of each other: the controllers and our process start side by side (both settle
      // before a failure is reported, so nothing is left starting behind our back).
      const results = await Promise.allSettled([
        options.controllers === false ? Promise.resolve() : plane.startControllerManager(),
        kc?.start(),
      ]);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      if (kc) {
        await env.setWebhookPolicy(options.webhook ?? FAIL_POLICY, { settle: false });
        await waitWebhookActive(env.kube);
        if (options.scheduler !== false)
          await plane.startScheduler({ urlPrefix: kc.extenderUrl, weight: options.extenderWeight ?? 30 });
      }
      return env;
    } catch (err) {
      const tails = tailsOf(runDir, [
        'kube-converge',
        'kube-apiserver',
        'etcd',
        'kube-controller-manager',
        'kube-scheduler',
      ]);
      await registry.stopAll(2_000);
      await gate?.gate.close();
      await rm(join(runDir, 'etcd-data'), { recursive: true, force: true });
      (err as Error).message += `\n(run dir ${runDir})\n${tails}`;
      throw err;
    }
  }

  /** Points the webhook configuration at kube-converge with this policy. */
  async setWebhookPolicy(policy: WebhookPolicy, opts: { settle?: boolean } = {}): Promise<void> {
    await applyWebhookConfiguration(this.kube, this.kc.webhookUrl, this.pki.webhookCaCert, policy);
    if (opts.settle !== false) await settleWebhookChange(this.kube, policy);
  }

  /** Stops every process at once (SIGTERM, SIGKILL after 5 s); the run dir keeps the logs. */
  async stop(): Promise<void> {
    await this.registry.stopAll(5_000);
    await this.gate?.close();
    // etcd preallocates 64 MB WAL segments: the data goes, the logs stay.
    await rm(join(this.runDir, 'etcd-data'), { recursive: true, force: true });
  }

  /** The last lines of each process's log, for a failure report. */
  logTails(
    names = ['kube-converge', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver'],
    lines = 40,
  ): string {
    return tailsOf(this.runDir, names, lines);
  }
}

async function startGate(
  runDir: string,
  pki: Pki,
  plane: ControlPlane,
): Promise<{ gate: WatchGate; kubeconfigFile: string }> {
  const gate = new WatchGate({
    port: () => plane.apiPort,
    ca: pki.caCert,
    clientCert: pki.adminCert,
    clientKey: pki.adminKey,
    servingCert: readFileSync(pki.apiserverCertFile, 'utf8'),
    servingKey: readFileSync(pki.apiserverKeyFile, 'utf8'),
  });
  const port = await gate.start();
  const kubeconfigFile = join(runDir, 'kube-converge.kubeconfig');
  writeFileSync(kubeconfigFile, adminKubeconfig(pki, `https://127.0.0.1:${port}`), { mode: 0o600 });
  return { gate, kubeconfigFile };
}

function tailsOf(runDir: string, names: readonly string[], lines = 30): string {
  return names
    .map((n) => {
      const tail = logTail(join(runDir, 'logs', `${n}.log`), lines);
      return tail ? `----- ${n} (last ${lines} lines; ${join(runDir, 'logs', `${n}.log`)})\n${tail}` : '';
    })
    .filter(Boolean)
    .join('\n');
}
