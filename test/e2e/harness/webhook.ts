/**
 * The MutatingWebhookConfiguration pointing at kube-converge by URL, shaped like the chart's
 * (contract §3 rules, namespaceSelector opt-out, sideEffects None, v1 and v1beta1) minus its
 * matchConditions: here every pod reaches the webhook, so the "untouched" scenarios test our
 * decisions, not a CEL pre-filter.
 */
import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { PORTWORX } from './fixtures.js';
import type { Kube } from './kube.js';
import { pod } from './fixtures.js';
import { sleep, until } from './util.js';

export const WEBHOOK_CONFIG_NAME = 'kube-converge-e2e';
export const OPT_OUT_LABEL = 'kube-converge.io/disable-admission-controller';

export interface WebhookPolicy {
  /** Fail: a dead webhook is visible (pods are refused). Ignore: admitted unchanged. */
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly timeoutSeconds: number;
}

export const FAIL_POLICY: WebhookPolicy = { failurePolicy: 'Fail', timeoutSeconds: 10 };

export function webhookConfiguration(
  url: string,
  caPem: string,
  policy: WebhookPolicy,
): V1MutatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIG_NAME },
    webhooks: [
      {
        name: 'pods.e2e.kube-converge.io',
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: { url, caBundle: Buffer.from(caPem, 'utf8').toString('base64') },
        failurePolicy: policy.failurePolicy,
        timeoutSeconds: policy.timeoutSeconds,
        matchPolicy: 'Equivalent',
        sideEffects: 'None',
        reinvocationPolicy: 'IfNeeded',
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['pods'],
            operations: ['CREATE'],
            scope: 'Namespaced',
          },
          {
            apiGroups: ['apps'],
            apiVersions: ['v1'],
            resources: ['deployments', 'statefulsets', 'replicasets'],
            operations: ['CREATE', 'UPDATE'],
            scope: 'Namespaced',
          },
          {
            apiGroups: ['batch'],
            apiVersions: ['v1'],
            resources: ['jobs', 'cronjobs'],
            operations: ['CREATE', 'UPDATE'],
            scope: 'Namespaced',
          },
        ],
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
            { key: OPT_OUT_LABEL, operator: 'NotIn', values: ['true', 'True', 'TRUE', 't', 'T', '1'] },
          ],
        },
      },
    ],
  };
}

/** Creates the configuration, or replaces it (same name) with a new policy. */
export async function applyWebhookConfiguration(
  kube: Kube,
  url: string,
  caPem: string,
  policy: WebhookPolicy,
): Promise<void> {
  const body = webhookConfiguration(url, caPem, policy);
  try {
    const current = await kube.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIG_NAME });
    body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
    await kube.admission.replaceMutatingWebhookConfiguration({ name: WEBHOOK_CONFIG_NAME, body });
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    await kube.admission.createMutatingWebhookConfiguration({ body });
  }
}

/**
 * The API server loads webhook configurations through its own informer: a moment passes before a new
 * one is called. A dry-run pod with an inline Portworx CSI volume (managed storage, no claim needed)
 * comes back with our scheduler name once it is.
 */
export async function waitWebhookActive(kube: Kube, namespace = 'default'): Promise<void> {
  await until(
    'the API server calls the webhook',
    async () => {
      const probe = pod(namespace, `webhook-probe-${Date.now()}`, {
        volumes: [{ name: 'px', csi: { driver: PORTWORX } }],
      });
      const created = await kube.core.createNamespacedPod({ namespace, body: probe, dryRun: 'All' });
      return created.spec?.schedulerName === 'kube-converge';
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

/**
 * A policy change has no observable "done" when the webhook answers either way; the API server's
 * configuration informer is quick (well under a second on loopback). Reading back the stored object
 * and pausing a little is the honest wait.
 */
export async function settleWebhookChange(kube: Kube, policy: WebhookPolicy): Promise<void> {
  await until('the webhook configuration is stored', async () => {
    const c = await kube.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIG_NAME });
    const w = c.webhooks?.[0];
    return w?.failurePolicy === policy.failurePolicy && w.timeoutSeconds === policy.timeoutSeconds;
  });
  await sleep(1_500);
}
