/**
 * Renders charts/kube-converge with the helm binary of the control-plane cache (scripts/control-plane),
 * so the chart tests and the end-to-end suite see exactly what `helm install` would send: the chart
 * tests assert on the objects, the end-to-end suite applies them to a real API server and starts
 * kube-scheduler with the rendered KubeSchedulerConfiguration (`schedulerConfiguration`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(REPO_ROOT, 'charts', 'kube-converge');

/** A rendered Kubernetes object, as loosely typed as YAML is. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: any;
}

export interface ChartOptions {
  /** Values, as a values file would hold them (merged over values.yaml). */
  readonly values?: Record<string, unknown>;
  /** Default `kc`. */
  readonly release?: string;
  /** Default `kube-converge`. */
  readonly namespace?: string;
  /** `.Capabilities.KubeVersion`; default: the version of the control-plane binaries. */
  readonly kubeVersion?: string;
}

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** helm failed where the caller needed it to succeed; the message carries helm's own. */
export class HelmError extends Error {
  override readonly name = 'HelmError';
}

let binDir: string | undefined;

/** The control-plane cache's bin directory (scripts/control-plane/path.sh; nothing is built). */
export function controlPlaneBinDir(): string {
  binDir ??= execFileSync('bash', [join(REPO_ROOT, 'scripts', 'control-plane', 'path.sh')], {
    encoding: 'utf8',
  }).trim();
  return binDir;
}

/**
 * The helm binary. Missing is a failure, never a skip: the chart is only tested when helm runs.
 */
export function helmPath(): string {
  const helm = join(controlPlaneBinDir(), 'helm');
  try {
    accessSync(helm, constants.X_OK);
  } catch {
    throw new HelmError(
      `helm not found at ${helm}: run \`make control-plane\` (it builds helm, kube-apiserver, ` +
        'kube-scheduler and etcd into the cache), then run the chart tests again',
    );
  }
  return helm;
}

/** The Kubernetes version of the control-plane binaries (their cache key), e.g. `v1.34.10`. */
export function controlPlaneKubeVersion(): string | undefined {
  return /k8s-(v\d+\.\d+\.\d+)/.exec(controlPlaneBinDir())?.[1];
}

/** Runs helm; resolves with its exit code and output whatever they are. */
export function runHelm(args: readonly string[]): Promise<HelmResult> {
  const helm = helmPath();
  return new Promise((resolve) => {
    execFile(
      helm,
      [...args],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_NO_PLUGINS: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `fn` with the options turned into helm flags (the values go through a temporary file). */
async function withChartArgs<T>(opts: ChartOptions, fn: (args: string[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-converge-chart-'));
  try {
    const valuesFile = join(dir, 'values.json'); // JSON is YAML
    writeFileSync(valuesFile, JSON.stringify(opts.values ?? {}));
    const args = ['--namespace', opts.namespace ?? 'kube-converge', '--values', valuesFile];
    const kubeVersion = opts.kubeVersion ?? controlPlaneKubeVersion();
    if (kubeVersion) args.push('--kube-version', kubeVersion);
    return await fn(args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm template`, raw. */
export function templateChart(opts: ChartOptions = {}): Promise<HelmResult> {
  return withChartArgs(opts, (args) => runHelm(['template', opts.release ?? 'kc', CHART_DIR, ...args]));
}

/** `helm lint --strict` with the same options. */
export function lintChart(opts: ChartOptions = {}): Promise<HelmResult> {
  return withChartArgs(opts, (args) => runHelm(['lint', '--strict', CHART_DIR, ...args]));
}

/** Splits helm's output into objects (comment-only documents dropped). */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new HelmError(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** Renders the chart to its objects; throws HelmError with helm's message when rendering fails. */
export async function renderChart(opts: ChartOptions = {}): Promise<K8sObject[]> {
  const result = await templateChart(opts);
  if (result.code !== 0) throw new HelmError(`helm template failed: ${result.stderr.trim()}`);
  return parseManifests(result.stdout);
}

/** The one object of this kind (and name, when given); throws when there is none or several. */
export function findObject(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (hits.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length} among: ${have}`);
  }
  return hits[0] as K8sObject;
}

export function objectsOfKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The KubeSchedulerConfiguration the chart's scheduler reads (the ConfigMap's config.yaml, parsed). */
export function schedulerConfiguration(objects: readonly K8sObject[]): Record<string, any> {
  const deployment = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'scheduler',
  );
  if (!deployment) throw new Error('the chart rendered no scheduler Deployment');
  const volume = (deployment.spec.template.spec.volumes as any[]).find((v) => v.name === 'config');
  const configMap = findObject(objects, 'ConfigMap', volume.configMap.name);
  return parse(configMap.data['config.yaml'] as string) as Record<string, any>;
}
