/**
 * The value combinations whose every rendered object kube-apiserver must accept: each certificate
 * mode, the extender over HTTPS or not, the scheduler on or off, the ServiceMonitor, single replicas,
 * and one with every optional setting set (so each optional branch of the templates is validated).
 */
import type { ChartOptions } from '../../chart/render.js';

/** Every optional branch of the templates at once: pull secrets, placement knobs, portworx files ... */
function everything(): Record<string, unknown> {
  const pod = {
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'storage', effect: 'NoSchedule' }],
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { app: 'x' } },
      },
    ],
    priorityClassName: 'system-cluster-critical',
    podAnnotations: { 'example.com/a': 'b' },
    podLabels: { team: 'storage' },
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 1,
            preference: { matchExpressions: [{ key: 'node-role', operator: 'In', values: ['infra'] }] },
          },
        ],
      },
    },
  };
  return {
    imagePullSecrets: [{ name: 'regcred' }],
    image: { digest: `sha256:${'a'.repeat(64)}` },
    serviceAccount: { annotations: { 'example.com/role': 'x' } },
    extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=256' }],
    config: {
      placement: ['portworx', 'node-labels'],
      portworxEndpoint: 'https://portworx-api.portworx:9021',
      overrideSchedulers: ['other'],
      scoreScale: 'raw',
    },
    portworx: { tokenSecret: { name: 'px-token' }, tlsSecret: { name: 'px-tls', clientCertificate: true } },
    webhook: { ...pod, excludeNamespaces: ['monitoring'], timeoutSeconds: 3 },
    scheduler: { ...pod, image: { tag: 'v1.34.10' }, extender: { weight: 3, ignorable: true } },
    extender: { tls: true },
  };
}

/** [name, values]; `caPem` is the provided mode's CA. */
export function dryRunCombos(caPem: string): Array<[string, ChartOptions['values']]> {
  const provided = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    certificates: { mode: 'provided', provided: { secretName: 'my-tls', caBundle: caPem } },
    ...extra,
  });
  return [
    ['self (defaults)', {}],
    ['self, extender over HTTPS', { extender: { tls: true } }],
    ['self, no scheduler (drive Stork)', { scheduler: { enabled: false }, schedulerName: 'stork' }],
    ['provided (PEM caBundle)', provided()],
    ['provided, extender over HTTPS', provided({ extender: { tls: true } })],
    ['provided, no scheduler', provided({ scheduler: { enabled: false } })],
    ['cert-manager', { certificates: { mode: 'cert-manager' } }],
    [
      'cert-manager with an issuer of yours, extender over HTTPS',
      {
        certificates: {
          mode: 'cert-manager',
          certManager: { issuerRef: { name: 'corp', kind: 'ClusterIssuer' } },
        },
        extender: { tls: true },
      },
    ],
    ['ServiceMonitor', { metrics: { serviceMonitor: { enabled: true } } }],
    ['single replicas (no PodDisruptionBudgets)', { webhook: { replicas: 1 }, scheduler: { replicas: 1 } }],
    ['every optional setting', everything()],
  ];
}

/** The combination names, for it.each before the CA exists. */
export const DRY_RUN_COMBO_NAMES: readonly string[] = dryRunCombos('').map(([name]) => name);
