/**
 * What every part of the chart suite shares: the environment, an admin client of the raw API, and a
 * WatchGate every kube-converge process reaches kube-apiserver through (with its own token: the gate
 * presents no identity of its own), so a probe can hold back one watch and make a cache miss certain.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { objectsOfKind, type K8sObject } from '../../chart/render.js';
import type { Environment } from '../harness/environment.js';
import { WatchGate } from '../harness/watch-gate.js';
import { RawApi, tokenKubeconfig } from './api.js';
import { RBAC_KINDS } from './release.js';

export interface ChartCluster {
  readonly env: Environment;
  /** As the run's admin (system:masters). */
  readonly api: RawApi;
  readonly gate: WatchGate;
  /** kube-apiserver's URL through the gate. */
  readonly gateServer: string;
}

export async function openChartCluster(env: Environment): Promise<ChartCluster> {
  const gate = new WatchGate({
    port: () => env.plane.apiPort,
    ca: env.pki.caCert,
    servingCert: readFileSync(env.pki.apiserverCertFile, 'utf8'),
    servingKey: readFileSync(env.pki.apiserverKeyFile, 'utf8'),
  });
  const gateServer = `https://127.0.0.1:${await gate.start()}`;
  return { env, api: new RawApi(env.plane.server, env.pki.caCert, { admin: env.pki }), gate, gateServer };
}

/** A token of the ServiceAccount (TokenRequest) in a kubeconfig for `server`; returns the file. */
export async function kubeconfigFor(
  c: ChartCluster,
  namespace: string,
  serviceAccount: string,
  server: string,
): Promise<string> {
  const token = await c.api.serviceAccountToken(namespace, serviceAccount);
  const file = join(c.env.runDir, `sa-${namespace}-${serviceAccount}.kubeconfig`);
  writeFileSync(file, tokenKubeconfig(server, c.env.pki.caCert, token, namespace), { mode: 0o600 });
  return file;
}

/** The raw API as the ServiceAccount (a fresh token). */
export async function apiAs(c: ChartCluster, namespace: string, serviceAccount: string): Promise<RawApi> {
  return new RawApi(c.env.plane.server, c.env.pki.caCert, {
    token: await c.api.serviceAccountToken(namespace, serviceAccount),
  });
}

/** Creates the RBAC objects among `objects` for real, in an order the API server accepts. */
export async function createIdentity(c: ChartCluster, objects: readonly K8sObject[]): Promise<void> {
  for (const kind of RBAC_KINDS) for (const o of objectsOfKind(objects, kind)) await c.api.mustCreate(o);
}

/** Runs `fn` over the items `size` at a time (2 cores: a burst of Node.js starts is CPU-bound). */
export async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    const results = await Promise.allSettled(items.slice(i, i + size).map(fn));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }
}
