/**
 * The four API calls of `self` mode, behind a small interface so the certificate logic reads as plain
 * steps, on @kubernetes/client-node 1.4: its typed calls throw ApiException with the HTTP status in
 * `code`. The expected answers (404 absent, 409 somebody else was first) come back as values; every
 * other failure (403 missing RBAC, 5xx, network) is thrown for the caller to log and retry.
 */
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoreV1Api,
  type KubeConfig,
  type V1Secret,
} from '@kubernetes/client-node';
import { withSignal } from '../../cluster/informer/api-source.js';
import { SelfCertError } from './errors.js';
import type { JsonPatchOp, WebhookCaState } from './webhook.js';

/** The Secret as read: its version and data (base64 values), and the object for a whole-object update. */
export interface SecretSnapshot {
  readonly resourceVersion: string;
  readonly data: Readonly<Record<string, string>>;
  readonly object: V1Secret;
}

/** A write either landed, or lost to another writer (the object appeared or changed meanwhile). */
export type SecretWrite =
  { readonly outcome: 'written'; readonly secret: SecretSnapshot } | { readonly outcome: 'conflict' };

export type WebhookPatch = 'patched' | 'conflict' | 'not-found';

export interface CertApi {
  /** Where the Secret lives, for logs. */
  readonly secretRef: string;
  /** The webhook configuration whose caBundle is kept; undefined when none is (then get/patch are not called). */
  readonly webhookRef?: string;
  getSecret(): Promise<SecretSnapshot | undefined>;
  createSecret(data: Readonly<Record<string, string>>): Promise<SecretWrite>;
  /** Replaces the data of `previous`, on the condition that the Secret is still at its version. */
  updateSecret(previous: SecretSnapshot, data: Readonly<Record<string, string>>): Promise<SecretWrite>;
  /** Undefined when the configuration does not exist (yet: Helm may create it after our pods). */
  getWebhook(): Promise<WebhookCaState | undefined>;
  patchWebhook(ops: readonly JsonPatchOp[]): Promise<WebhookPatch>;
}

export interface KubeCertApiOptions {
  readonly namespace: string;
  readonly secretName: string;
  /** Our MutatingWebhookConfiguration; without it no caBundle is written. */
  readonly webhookConfigName?: string;
  /** Each request is abandoned after this. Default 10 s. */
  readonly requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
// Says who made the Secret; Helm does not own it, so `helm uninstall` leaves it (see the report/docs).
const SECRET_LABELS = {
  'app.kubernetes.io/name': 'kube-converge',
  'app.kubernetes.io/component': 'webhook-certificate',
  'app.kubernetes.io/managed-by': 'kube-converge',
};

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

function snapshot(secret: V1Secret): SecretSnapshot {
  return { resourceVersion: secret.metadata?.resourceVersion ?? '', data: secret.data ?? {}, object: secret };
}

/** CertApi on client-node. */
export function kubeCertApi(kubeConfig: KubeConfig, options: KubeCertApiOptions): CertApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const { namespace, secretName: name, webhookConfigName } = options;
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const opts = (): ReturnType<typeof withSignal> => withSignal(AbortSignal.timeout(timeout));
  const webhookName = (): string => {
    if (!webhookConfigName) throw new SelfCertError('no webhook configuration name was configured');
    return webhookConfigName;
  };

  /** 404/409 to values: `expected` lists the statuses that mean "somebody else was first". */
  async function write(call: () => Promise<V1Secret>, expected: readonly number[]): Promise<SecretWrite> {
    try {
      return { outcome: 'written', secret: snapshot(await call()) };
    } catch (err) {
      if (expected.includes(statusOf(err) ?? 0)) return { outcome: 'conflict' };
      throw err;
    }
  }

  return {
    secretRef: `${namespace}/${name}`,
    ...(webhookConfigName ? { webhookRef: webhookConfigName } : {}),
    async getSecret() {
      try {
        return snapshot(await core.readNamespacedSecret({ namespace, name }, opts()));
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    createSecret(data) {
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace, labels: SECRET_LABELS },
        type: 'kubernetes.io/tls',
        data: { ...data },
      };
      // 409 AlreadyExists: another replica created it first.
      return write(() => core.createNamespacedSecret({ namespace, body }, opts()), [409]);
    },
    updateSecret(previous, data) {
      // The whole object as read, new data, and its resourceVersion: 409 if anyone wrote since, 404 if
      // it was deleted — both mean "read it again".
      const body: V1Secret = { ...previous.object, data: { ...previous.object.data, ...data } };
      return write(() => core.replaceNamespacedSecret({ namespace, name, body }, opts()), [404, 409]);
    },
    async getWebhook() {
      try {
        const config = await admission.readMutatingWebhookConfiguration({ name: webhookName() }, opts());
        return {
          resourceVersion: config.metadata?.resourceVersion ?? '',
          webhooks: (config.webhooks ?? []).map((w) => ({
            name: w.name,
            ...(w.clientConfig.caBundle ? { caBundle: w.clientConfig.caBundle } : {}),
          })),
        };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async patchWebhook(ops) {
      try {
        // client-node 1.4 sends its first listed patch type, application/json-patch+json.
        await admission.patchMutatingWebhookConfiguration({ name: webhookName(), body: [...ops] }, opts());
        return 'patched';
      } catch (err) {
        const status = statusOf(err);
        if (status === 409) return 'conflict';
        if (status === 404) return 'not-found';
        throw err;
      }
    },
  };
}
