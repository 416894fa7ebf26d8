/**
 * The secondary scheduler inside k3s. k3s runs its own kube-scheduler (the `default-scheduler`
 * profile) in its server process, which we cannot reconfigure from outside, so a second one answers to
 * `kube-converge`: the upstream kube-scheduler image at the cluster's version, with the chart's
 * profile and extender settings (charts/kube-converge/templates/_scheduler.tpl) and the chart's RBAC
 * (system:kube-scheduler, system:volume-scheduler, the authentication reader; scheduler-rbac.yaml), as one Pod.
 *
 * It runs with hostNetwork so that it resolves host.testcontainers.internal: the kubelet gives a
 * host-network pod the node's /etc/hosts, and the node is the k3s container, whose /etc/hosts
 * testcontainers extended with that name (TestContainers.exposeHostPorts). A pod on the pod network
 * would ask CoreDNS, which has never heard of it.
 */
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { RbacAuthorizationV1Api, VersionApi } from '@kubernetes/client-node';
import type { Kube } from '../../e2e/harness/kube.js';
import { until } from '../../e2e/harness/util.js';

export const SCHEDULER_NAME = 'kube-converge';
const NAMESPACE = 'kube-system';
const NAME = 'kube-converge-scheduler';
/** Not 10259: k3s's own scheduler holds that port on the same (host) network. */
const SECURE_PORT = 10359;

export interface SchedulerSettings {
  /** e.g. registry.k8s.io/kube-scheduler:v1.34.1 */
  readonly image: string;
  /** The extender as seen from inside the k3s container: http://host.testcontainers.internal:<port> */
  readonly extenderUrl: string;
  /** The k3s node it runs on (set directly: no scheduler is needed to start a scheduler). */
  readonly nodeName: string;
  /** The chart's default, 30: the node holding the data outranks anything the default plugins add. */
  readonly weight?: number;
}

/**
 * The scheduler image for the cluster's version, as the chart picks it: kube-scheduler of the same
 * vX.Y.Z, the vendor suffix (+k3s1) removed.
 */
export async function schedulerImageFor(kube: Kube): Promise<string> {
  const { gitVersion } = await kube.kc.makeApiClient(VersionApi).getCode();
  const version = /^v\d+\.\d+\.\d+/.exec(gitVersion)?.[0];
  if (!version) throw new Error(`cannot read a vX.Y.Z version from the API server's ${gitVersion}`);
  return `registry.k8s.io/kube-scheduler:${version}`;
}

/** The KubeSchedulerConfiguration: the chart's, without leader election (one replica). */
export function schedulerConfig(s: SchedulerSettings): Record<string, unknown> {
  return {
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    leaderElection: { leaderElect: false },
    profiles: [{ schedulerName: SCHEDULER_NAME, percentageOfNodesToScore: 100 }],
    extenders: [
      {
        urlPrefix: s.extenderUrl,
        filterVerb: 'filter',
        prioritizeVerb: 'prioritize',
        weight: s.weight ?? 30,
        nodeCacheCapable: true,
        enableHTTPS: false,
        httpTimeout: '5s',
        ignorable: false,
      },
    ],
  };
}

export function schedulerConfigMap(s: SchedulerSettings): V1ConfigMap {
  return {
    metadata: { name: NAME, namespace: NAMESPACE },
    // JSON is YAML: kube-scheduler reads it as its config file.
    data: { 'config.yaml': JSON.stringify(schedulerConfig(s), null, 2) },
  };
}

export function schedulerPod(s: SchedulerSettings): V1Pod {
  return {
    metadata: { name: NAME, namespace: NAMESPACE, labels: { app: NAME } },
    spec: {
      serviceAccountName: NAME,
      nodeName: s.nodeName,
      hostNetwork: true,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: 'kube-scheduler',
          image: s.image,
          command: [
            'kube-scheduler',
            '--config=/etc/kube-converge-scheduler/config.yaml',
            `--secure-port=${SECURE_PORT}`,
            '--v=2',
          ],
          // /readyz is served without authentication (--authorization-always-allow-paths default).
          readinessProbe: {
            httpGet: { path: '/readyz', port: SECURE_PORT, scheme: 'HTTPS' },
            periodSeconds: 2,
          },
          volumeMounts: [{ name: 'config', mountPath: '/etc/kube-converge-scheduler', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: NAME } }],
    },
  };
}

/** Creates the ServiceAccount, its bindings, the configuration and the Pod; waits until it is Ready. */
export async function deployScheduler(kube: Kube, s: SchedulerSettings, timeoutMs = 300_000): Promise<void> {
  await kube.core.createNamespacedServiceAccount({
    namespace: NAMESPACE,
    body: { metadata: { name: NAME, namespace: NAMESPACE } },
  });
  const rbac = kube.kc.makeApiClient(RbacAuthorizationV1Api);
  for (const role of ['system:kube-scheduler', 'system:volume-scheduler']) {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: `${NAME}-${role.replace('system:', '')}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
      },
    });
  }
  // Delegated authentication of its HTTPS port reads this ConfigMap (the chart binds the same Role).
  await rbac.createNamespacedRoleBinding({
    namespace: NAMESPACE,
    body: {
      metadata: { name: `${NAME}-authentication-reader` },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'extension-apiserver-authentication-reader',
      },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    },
  });
  await kube.core.createNamespacedConfigMap({ namespace: NAMESPACE, body: schedulerConfigMap(s) });
  await kube.core.createNamespacedPod({ namespace: NAMESPACE, body: schedulerPod(s) });
  // The first run pulls the image inside k3s: minutes on a slow line.
  await until(
    `the kube-converge scheduler pod (${s.image}) is Ready`,
    async () => {
      const pod = await kube.pod(NAMESPACE, NAME);
      return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    { timeoutMs, intervalMs: 1_000 },
  );
}

/** The scheduler's log (for a failure report); '' when it cannot be read. */
export async function schedulerLog(kube: Kube, tailLines = 60): Promise<string> {
  try {
    return await kube.core.readNamespacedPodLog({ namespace: NAMESPACE, name: NAME, tailLines });
  } catch {
    return '';
  }
}
