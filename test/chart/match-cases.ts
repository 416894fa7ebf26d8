/**
 * Which objects the chart's MutatingWebhookConfiguration must send to the webhook (rules,
 * namespaceSelector and matchConditions together), for the end-to-end suite to check against a real
 * API server: create the namespaces, point a copy of the rendered configuration at a recording
 * webhook, create each object with dryRun=All and compare "was the webhook called" with `sent`.
 * (Checked by hand against kube-apiserver v1.34.10 while writing the chart: all cases hold.)
 */
import { LABEL } from '../../src/contract/keys.js';

export interface MatchNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface MatchCase {
  readonly name: string;
  readonly namespace: string;
  /** A complete object (apiVersion, kind, metadata.name and namespace, a valid spec). */
  readonly object: Record<string, unknown>;
  /** Must the API server call the webhook for it? */
  readonly sent: boolean;
}

/** The namespaces the cases use besides kube-system and the release namespace. */
export const MATCH_NAMESPACES: readonly MatchNamespace[] = [
  { name: 'mc-app', labels: {} },
  { name: 'mc-optout', labels: { [LABEL.disableAdmissionController]: 'true' } },
  { name: 'mc-optout-cap', labels: { [LABEL.disableAdmissionController]: 'True' } },
  { name: 'mc-optin', labels: { [LABEL.disableAdmissionController]: 'false' } },
];

type Volumes = Array<Record<string, unknown>> | undefined;
const podSpec = (volumes: Volumes, restartPolicy = 'Never') => ({
  containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }],
  restartPolicy,
  ...(volumes ? { volumes } : {}),
});
const template = (volumes: Volumes) => ({
  metadata: { labels: { app: 'mc' } },
  spec: podSpec(volumes, 'Always'),
});
const claim = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
const claimSpec = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };

function object(apiVersion: string, kind: string, name: string, namespace: string, spec: unknown) {
  return { apiVersion, kind, metadata: { name, namespace }, spec };
}
const pod = (name: string, ns: string, volumes: Volumes) => object('v1', 'Pod', name, ns, podSpec(volumes));
const selector = { matchLabels: { app: 'mc' } };

/** The cases, for a chart installed in `releaseNamespace`. */
export function matchCases(releaseNamespace: string): MatchCase[] {
  const app = 'mc-app';
  const cases: Array<[string, string, Record<string, unknown>, boolean]> = [
    ['pod without volumes', app, pod('pod-none', app, undefined), false],
    ['pod with an emptyDir only', app, pod('pod-emptydir', app, [{ name: 'e', emptyDir: {} }]), false],
    ['pod with a claim', app, pod('pod-pvc', app, claim), true],
    [
      'pod with an inline CSI volume',
      app,
      pod('pod-csi', app, [{ name: 'd', csi: { driver: 'pxd.portworx.com' } }]),
      true,
    ],
    [
      'pod with a generic ephemeral volume',
      app,
      pod('pod-ephemeral', app, [{ name: 'd', ephemeral: { volumeClaimTemplate: { spec: claimSpec } } }]),
      true,
    ],
    [
      'pod with an in-tree Portworx volume',
      app,
      pod('pod-pxd', app, [{ name: 'd', portworxVolume: { volumeID: 'v1' } }]),
      true,
    ],
    ['pod in an opted-out namespace', 'mc-optout', pod('pod-optout', 'mc-optout', claim), false],
    [
      'pod in a namespace opted out with True',
      'mc-optout-cap',
      pod('pod-optout-cap', 'mc-optout-cap', claim),
      false,
    ],
    ['pod in a namespace labelled false', 'mc-optin', pod('pod-optin', 'mc-optin', claim), true],
    ['pod in the release namespace', releaseNamespace, pod('pod-release', releaseNamespace, claim), false],
    ['pod in kube-system', 'kube-system', pod('pod-kube-system', 'kube-system', claim), false],
    [
      'deployment with a claim',
      app,
      object('apps/v1', 'Deployment', 'dep-pvc', app, { selector, template: template(claim) }),
      true,
    ],
    [
      'deployment without volumes',
      app,
      object('apps/v1', 'Deployment', 'dep-none', app, { selector, template: template(undefined) }),
      false,
    ],
    [
      'replicaset with a claim',
      app,
      object('apps/v1', 'ReplicaSet', 'rs-pvc', app, { selector, template: template(claim) }),
      true,
    ],
    [
      'statefulset with volumeClaimTemplates only',
      app,
      object('apps/v1', 'StatefulSet', 'sts-vct', app, {
        serviceName: 'sts',
        selector,
        template: template(undefined),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: claimSpec }],
      }),
      true,
    ],
    [
      'statefulset without storage',
      app,
      object('apps/v1', 'StatefulSet', 'sts-none', app, {
        serviceName: 'sts',
        selector,
        template: template(undefined),
      }),
      false,
    ],
    [
      'daemonset with a claim (not a mutated kind)',
      app,
      object('apps/v1', 'DaemonSet', 'ds-pvc', app, { selector, template: template(claim) }),
      false,
    ],
    [
      'job with a claim',
      app,
      object('batch/v1', 'Job', 'job-pvc', app, { template: { spec: podSpec(claim) } }),
      true,
    ],
    [
      'job without volumes',
      app,
      object('batch/v1', 'Job', 'job-none', app, { template: { spec: podSpec(undefined) } }),
      false,
    ],
    [
      'cronjob with a claim',
      app,
      object('batch/v1', 'CronJob', 'cj-pvc', app, {
        schedule: '0 * * * *',
        jobTemplate: { spec: { template: { spec: podSpec(claim) } } },
      }),
      true,
    ],
    [
      'cronjob without volumes',
      app,
      object('batch/v1', 'CronJob', 'cj-none', app, {
        schedule: '0 * * * *',
        jobTemplate: { spec: { template: { spec: podSpec(undefined) } } },
      }),
      false,
    ],
  ];
  return cases.map(([name, namespace, obj, sent]) => ({ name, namespace, object: obj, sent }));
}
