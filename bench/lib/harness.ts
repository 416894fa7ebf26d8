/**
 * The end-to-end harness (test/e2e/harness/) as the benchmarks use it: a real etcd + kube-apiserver
 * (+ kube-controller-manager) from `Environment.start`, and — started here rather than by the
 * harness, because the benchmarks need other flags — `serve` built into dist/.bench, and
 * kube-scheduler processes with a configuration of our choosing.
 *
 * Every process lives in the harness's process registry and run dir (test/e2e/.run/bench-*): the
 * harness's safety net stops them when the benchmark process ends, however it ends.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Environment } from '../../test/e2e/harness/environment.js';
import { parseMetrics, sumOf, type Sample } from '../../test/e2e/harness/kube-converge.js';
import { launch } from '../../test/e2e/harness/launch.js';
import { controlPlaneBinDir, installSafetyNet } from '../../test/e2e/harness/lifecycle.js';
import type { ManagedProcess } from '../../test/e2e/harness/processes.js';
import { answers200, fetchText } from '../../test/e2e/harness/util.js';
import { KubeApi } from './kube-api.js';
import type { BenchContext } from './model.js';

let netInstalled = false;

/** A control plane for a benchmark; `controllers` adds kube-controller-manager (PV binding). */
export async function startControlPlane(name: string, controllers: boolean): Promise<Environment> {
  if (!netInstalled) {
    installSafetyNet();
    netInstalled = true;
  }
  return Environment.start({ name, controllers, kubeConverge: false, scheduler: false });
}

/** The admin client of an environment, over raw https (kube-api.ts). */
export function adminApi(env: Environment, maxSockets = 64): KubeApi {
  return new KubeApi(
    { server: env.plane.server, ca: env.pki.caCert, cert: env.pki.adminCert, key: env.pki.adminKey },
    maxSockets,
  );
}

export interface ServeProcess {
  readonly process: ManagedProcess;
  readonly metricsUrl: string;
  readonly extenderUrl: string;
  /** From spawn to /readyz answering 200 (the cache listed every kind). */
  readonly readyMs: number;
}

export interface ServeOptions {
  /** `--expose-gc` and a SIGUSR2 handler that runs a full GC (gc-on-signal.ts). */
  readonly gcOnSignal?: boolean;
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * `node dist/.bench/src/cli/bin.js serve --kubeconfig <admin>`: this tree, built in the same step as
 * the benchmarks, against the environment's API server. Waits for /readyz.
 */
export async function startServe(
  ctx: BenchContext,
  env: Environment,
  name: string,
  options: ServeOptions = {},
): Promise<ServeProcess> {
  const bin = path.join(ctx.buildDir, 'src', 'cli', 'bin.js');
  const preload = pathToFileURL(path.join(ctx.buildDir, 'bench', 'lib', 'gc-on-signal.js')).href;
  const nodeFlags = options.gcOnSignal ? ['--expose-gc', '--import', preload] : [];
  const started = Date.now();
  const { process: proc, ports } = await launch(env.registry, {
    name,
    command: process.execPath,
    ports: ['webhook', 'extender', 'metrics'] as const,
    args: (p) => [
      ...nodeFlags,
      bin,
      'serve',
      '--kubeconfig',
      env.plane.kubeconfigFile,
      '--tls-cert-file',
      env.pki.webhookCertFile,
      '--tls-key-file',
      env.pki.webhookKeyFile,
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
      ...(options.args ?? []),
    ],
    ready: (p) => answers200(`http://127.0.0.1:${p.metrics}/readyz`),
    env: { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  return {
    process: proc,
    metricsUrl: `http://127.0.0.1:${ports.metrics}`,
    extenderUrl: `http://127.0.0.1:${ports.extender}`,
    readyMs: Date.now() - started,
  };
}

/** The samples of a /metrics page. */
export async function scrape(metricsUrl: string): Promise<Sample[]> {
  const r = await fetchText(`${metricsUrl}/metrics`, { timeoutMs: 10_000 });
  if (r.status !== 200) throw new Error(`GET ${metricsUrl}/metrics: HTTP ${r.status}`);
  return parseMetrics(r.body);
}

export { sumOf };

/** Resident set size and its peak (VmHWM) of a process, bytes (Linux /proc). */
export function residentBytes(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export interface SchedulerSpec {
  readonly name: string;
  readonly profiles: readonly Record<string, unknown>[];
  readonly extenders?: readonly Record<string, unknown>[];
  /** clientConnection qps and burst (kube-scheduler defaults: 50 and 100). */
  readonly qps: number;
  readonly burst: number;
}

/**
 * One kube-scheduler process with exactly these profiles and extenders (the harness's own scheduler
 * shares one extender between its two profiles; a baseline must not call ours).
 */
export async function startScheduler(env: Environment, spec: SchedulerSpec): Promise<ManagedProcess> {
  const configFile = path.join(env.runDir, `${spec.name}.yaml`);
  const config = {
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    clientConnection: { kubeconfig: env.plane.kubeconfigFile, qps: spec.qps, burst: spec.burst },
    leaderElection: { leaderElect: false },
    profiles: spec.profiles,
    ...(spec.extenders ? { extenders: spec.extenders } : {}),
  };
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const { process: proc } = await launch(env.registry, {
    name: spec.name,
    command: path.join(controlPlaneBinDir(), 'kube-scheduler'),
    ports: ['secure'] as const,
    args: (p) => [`--config=${configFile}`, '--bind-address=127.0.0.1', `--secure-port=${p.secure}`],
    ready: (p) => answers200(`https://127.0.0.1:${p.secure}/readyz`, { insecure: true }),
    timeoutMs: 60_000,
  });
  return proc;
}
