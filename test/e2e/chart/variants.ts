/**
 * The least-privilege variants: kube-converge started once per permission the chart grants, as its
 * own ServiceAccount bound to the chart's roles with exactly that permission taken away. The
 * cluster-wide permissions come from the chart in `provided` mode (its ClusterRole is exactly those),
 * run with the harness's serving certificate; the `self` mode ones from a `self` release per
 * permission (its own Secret and webhook configuration names), run as the chart configures it.
 */
import { findObject, renderChart, type K8sObject } from '../../chart/render.js';
import { webhookConfiguration } from '../../chart/select.js';
import { makeCA, makeServingCert } from '../../../src/tls/certs.js';
import { encodeSecretData } from '../../../src/tls/self/secret-data.js';
import { KubeConverge } from '../harness/kube-converge.js';
import { createIdentity, inBatches, kubeconfigFor, type ChartCluster } from './context.js';
import { keyOf, permissionsOf, slugOf, withoutPermission, type Permission } from './rbac.js';
import { programEnv, programIdentity } from './release.js';

const DAY = 86_400_000;

/** The cached kinds: their collection (the permission key), how the program logs them, their metric. */
export const CACHED = [
  { key: '/nodes', kind: 'Node', metric: 'nodes' },
  { key: '/namespaces', kind: 'Namespace', metric: 'namespaces' },
  { key: '/persistentvolumeclaims', kind: 'PersistentVolumeClaim', metric: 'pvcs' },
  { key: '/persistentvolumes', kind: 'PersistentVolume', metric: 'pvs' },
  { key: 'storage.k8s.io/storageclasses', kind: 'StorageClass', metric: 'storageClasses' },
  { key: 'storage.k8s.io/csinodes', kind: 'CSINode', metric: 'csiNodes' },
] as const;

/** Every permission the suite has a capability probe for. A granted permission not listed fails it. */
export const PROBED: ReadonlySet<string> = new Set([
  ...CACHED.flatMap((c) => [`${c.key} list`, `${c.key} watch`]),
  '/persistentvolumeclaims get',
  '/persistentvolumes get',
  'storage.k8s.io/storageclasses get',
  '/pods list',
  '/pods watch',
  '/events create',
  '/secrets get',
  '/secrets create',
  '/secrets update',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations get',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations patch',
]);

export interface Variant {
  /** The permission taken away (none: the whole RBAC). */
  readonly permission?: Permission;
  readonly kc: KubeConverge;
  /** self mode: the names the program is given. */
  readonly secretName?: string;
  readonly webhookName?: string;
  /** The resourceVersion of the ageing Secret it was started on. */
  readonly agedVersion?: string;
}

export interface Variants {
  /** permission key -> the process without it */
  readonly without: ReadonlyMap<string, Variant>;
  readonly basePermissions: readonly Permission[];
  readonly selfPermissions: readonly Permission[];
  /** self mode with the whole RBAC, started on a Secret that needs renewing. */
  readonly renewing: Variant;
}

/** A serving pair with 20 days left (less than renewBefore, 30 days): it must be renewed at once. */
async function agedSecretData(dnsNames: readonly string[]): Promise<Record<string, string>> {
  const then = new Date(Date.now() - 345 * DAY);
  const ca = await makeCA({ commonName: 'aged e2e CA', validDays: 5 * 365, now: then });
  const pair = await makeServingCert({
    ca,
    dnsNames: ['localhost', ...dnsNames],
    ipAddresses: ['127.0.0.1', '::1'],
    validDays: 365,
    now: then,
  });
  return encodeSecretData({ caCert: ca.cert, caKey: ca.key, tlsCert: pair.cert, tlsKey: pair.key });
}

/** One self-mode release without `permission` (the whole RBAC when undefined); `aged`: its Secret needs renewing. */
async function selfVariant(
  c: ChartCluster,
  ns: string,
  release: string,
  permission: Permission | undefined,
  aged: boolean,
): Promise<Variant> {
  const rendered = await renderChart({ release, namespace: ns });
  const identity = programIdentity(rendered);
  const own = permission && permissionsOf(identity.roles).find((p) => keyOf(p) === keyOf(permission));
  if (permission && !own) throw new Error(`release ${release} does not grant ${keyOf(permission)}`);
  const roles = identity.roles.map((r) =>
    own && r.metadata.name === own.roleName ? withoutPermission(r, own) : r,
  );
  await createIdentity(c, [identity.serviceAccount, ...roles, ...identity.bindings]);
  // As rendered: a Service nobody runs, so kube-apiserver's calls fail at once and are ignored.
  await c.api.mustCreate(webhookConfiguration(rendered));
  const env = programEnv(rendered, ns);
  const secretName = env.KUBE_CONVERGE_CERT_SECRET ?? '';
  let agedVersion: string | undefined;
  if (aged) {
    const created = await c.api.mustCreate({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace: ns },
      type: 'kubernetes.io/tls',
      data: await agedSecretData((env.KUBE_CONVERGE_TLS_DNS ?? '').split(',')),
    });
    agedVersion = created.metadata.resourceVersion as string;
  }
  const kc = new KubeConverge(c.env.registry, c.env.plane, c.env.pki, {
    name: `kc-${release}`,
    kubeconfigFile: await kubeconfigFor(c, ns, identity.serviceAccount.metadata.name, c.gateServer),
    env,
    ownCertificate: true,
    waitFor: 'listening',
  });
  return {
    ...(own ? { permission: own } : {}),
    kc,
    secretName,
    webhookName: env.KUBE_CONVERGE_WEBHOOK_CONFIG_NAME ?? '',
    ...(agedVersion ? { agedVersion } : {}),
  };
}

/** One provided-mode process (harness certificate) without `p`, as ServiceAccount `no-<p>`. */
async function baseVariant(
  c: ChartCluster,
  ns: string,
  base: readonly K8sObject[],
  p: Permission,
): Promise<Variant> {
  const identity = programIdentity(base);
  const clusterRole = findObject(identity.roles, 'ClusterRole');
  const name = `no-${slugOf(p)}`;
  const rename = (o: K8sObject, to: string): K8sObject => ({ ...o, metadata: { ...o.metadata, name: to } });
  await createIdentity(c, [
    rename(identity.serviceAccount, name),
    rename(withoutPermission(clusterRole, p), `${ns}-${name}`),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${ns}-${name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ns}-${name}` },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
  ]);
  const kc = new KubeConverge(c.env.registry, c.env.plane, c.env.pki, {
    name: `kc-${name}`,
    kubeconfigFile: await kubeconfigFor(c, ns, name, c.gateServer),
    env: programEnv(base, ns),
    waitFor: 'listening',
  });
  return { permission: p, kc };
}

/** Creates every variant's identity and starts them all (listening, not necessarily ready). */
export async function startVariants(c: ChartCluster, ns: string): Promise<Variants> {
  const base = await renderChart({
    release: ns,
    namespace: ns,
    values: {
      certificates: {
        mode: 'provided',
        provided: { secretName: `${ns}-tls`, caBundle: c.env.pki.webhookCaCert },
      },
    },
  });
  const basePermissions = permissionsOf(programIdentity(base).roles);
  const baseKeys = new Set(basePermissions.map(keyOf));
  // The self-mode permissions: what the self-mode chart grants on top of the others.
  const probe = await renderChart({ release: 'probe', namespace: ns });
  const selfPermissions = permissionsOf(programIdentity(probe).roles).filter((p) => !baseKeys.has(keyOf(p)));

  const without = new Map<string, Variant>();
  for (const p of basePermissions) without.set(keyOf(p), await baseVariant(c, ns, base, p));
  for (const p of selfPermissions)
    without.set(keyOf(p), await selfVariant(c, ns, `no-${slugOf(p)}`, p, keyOf(p) === '/secrets update'));
  const renewing = await selfVariant(c, ns, 'renews', undefined, true);
  await inBatches([...without.values(), renewing], 6, (v) => v.kc.start());
  return { without, basePermissions, selfPermissions, renewing };
}
