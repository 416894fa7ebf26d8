/**
 * A rendered release, brought to processes on loopback: the environment the chart gives the
 * kube-converge container (downward-API values resolved as the kubelet would), the scheduler's flags
 * and KubeSchedulerConfiguration pointed at the local extender and a kubeconfig, and the webhook
 * configuration pointed at a local URL instead of the Service (the only field changed).
 */
import { parse } from 'yaml';
import { findObject, type K8sObject } from '../../chart/render.js';
import { onlyContainer, schedulerDeployment, serverDeployment } from '../../chart/select.js';

/** The object kinds whose groups the API server cannot know without a CRD (cert-manager, Prometheus Operator). */
export const CRD_GROUPS: ReadonlySet<string> = new Set(['cert-manager.io', 'monitoring.coreos.com']);

export const groupOf = (o: K8sObject): string =>
  o.apiVersion.includes('/') ? (o.apiVersion.split('/')[0] ?? '') : '';

export const describeObject = (o: K8sObject): string =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * The kube-converge container's environment as the process would see it in a pod of `namespace`:
 * plain values as rendered, `fieldRef: metadata.namespace` resolved. Any other valueFrom is an error
 * (this suite would not know what the kubelet puts there).
 */
export function programEnv(objects: readonly K8sObject[], namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (onlyContainer(serverDeployment(objects)).env ?? []) as any[]) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else throw new Error(`env ${e.name}: cannot resolve ${JSON.stringify(e.valueFrom)} outside a pod`);
  }
  return env;
}

/** The scheduler container's flags but --config (checked to name the mounted ConfigMap's file). */
export function schedulerFlags(objects: readonly K8sObject[]): string[] {
  const container = onlyContainer(schedulerDeployment(objects));
  const [binary, ...flags] = container.command as string[];
  if (binary !== 'kube-scheduler')
    throw new Error(`the scheduler container runs ${binary}, not kube-scheduler`);
  const mount = (container.volumeMounts as any[]).find((m) => m.name === 'config');
  const config = flags.filter((f) => f.startsWith('--config='));
  if (config.length !== 1 || config[0] !== `--config=${mount.mountPath}/config.yaml`)
    throw new Error(`--config does not name the mounted ConfigMap: ${flags.join(' ')}`);
  return flags.filter((f) => !f.startsWith('--config='));
}

/**
 * The KubeSchedulerConfiguration of the ConfigMap text, run outside a pod: it connects with
 * `kubeconfig` (in a pod: the in-cluster config of its ServiceAccount) and calls the extender at
 * `extenderUrl` (in a cluster: the Service). Everything else as rendered.
 */
export function localSchedulerConfig(configText: string, kubeconfig: string, extenderUrl: string): any {
  const config = parse(configText);
  if (config.clientConnection !== undefined)
    throw new Error('the chart sets clientConnection: this suite would overwrite it');
  const extenders = config.extenders as any[];
  if (extenders.length !== 1) throw new Error(`expected one extender, found ${extenders.length}`);
  return {
    ...config,
    clientConnection: { kubeconfig },
    extenders: [{ ...extenders[0], urlPrefix: extenderUrl }],
  };
}

/** The webhook configuration with its one webhook called at `url` rather than through the Service. */
export function atUrl(webhookConfiguration: K8sObject, url: string): K8sObject {
  const webhooks = (webhookConfiguration.webhooks as any[]).map((w) => {
    if (!w.clientConfig.service) throw new Error(`webhook ${w.name} is not called through a Service`);
    const { service: _service, ...rest } = w.clientConfig;
    return { ...w, clientConfig: { ...rest, url } };
  });
  return { ...webhookConfiguration, webhooks };
}

/** The kube-converge ServiceAccount, ClusterRole and its binding; the `self` mode Role and binding if any. */
export function programIdentity(objects: readonly K8sObject[]): {
  serviceAccount: K8sObject;
  roles: K8sObject[];
  bindings: K8sObject[];
} {
  const sa = serverDeployment(objects).spec.template.spec.serviceAccountName as string;
  const serviceAccount = findObject(objects, 'ServiceAccount', sa);
  const bindings = objects.filter(
    (o) =>
      (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') &&
      (o.subjects as any[]).some((s) => s.kind === 'ServiceAccount' && s.name === sa),
  );
  const roles = bindings.map((b) => findObject(objects, b.roleRef.kind, b.roleRef.name));
  return { serviceAccount, roles, bindings };
}

/** The RBAC kinds `helm install` would create, in an order the API server accepts. */
export const RBAC_KINDS = [
  'ServiceAccount',
  'ClusterRole',
  'Role',
  'ClusterRoleBinding',
  'RoleBinding',
] as const;
