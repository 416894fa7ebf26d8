import type { KubeConfig } from '@kubernetes/client-node';
import type { TlsLogger } from '../material.js';
import { checkSubjectNames } from '../names.js';
import { SelfCertError } from './errors.js';
import { kubeCertApi } from './api.js';
import { DEFAULT_CA_OVERLAP_MS, renewalPolicy } from './plan.js';
import { openSecretTlsSource, type SecretTlsSource } from './source.js';

export interface SelfCertSettings {
  readonly kubeConfig: KubeConfig;
  /** `certSecret`. */
  readonly secretName: string;
  /** `certNamespace`; the kubeconfig context's namespace (in a pod: its own) when undefined. */
  readonly namespace?: string;
  /** `webhookConfigName`; without it no caBundle is kept. */
  readonly webhookConfigName?: string;
  /** `tlsDns`: the Service names; `localhost`, 127.0.0.1 and ::1 are always added. */
  readonly dnsNames: readonly string[];
  /** `certValidity`, `certRenewBefore`. */
  readonly validityMs: number;
  readonly renewBeforeMs: number;
  readonly logger: TlsLogger;
  /** For tests: poll interval and CA overlap (defaults 30 s and 1 h). */
  readonly intervalMs?: number;
  readonly caOverlapMs?: number;
}

/** The namespace `self` mode keeps its Secret in: the setting, else the kubeconfig's (in a pod, its own). */
export function certNamespaceOf(kubeConfig: KubeConfig, configured: string | undefined): string | undefined {
  if (configured) return configured;
  return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || undefined;
}

/**
 * Opens `self` mode: the Secret-backed source on client-node. Throws CertificateInputError for a bad
 * DNS name and SelfCertError when no namespace can be found; API trouble is retried, not thrown.
 */
export async function openSelfCertTlsSource(settings: SelfCertSettings): Promise<SecretTlsSource> {
  const names = checkSubjectNames(['localhost', ...settings.dnsNames], ['127.0.0.1', '::1']);
  const namespace = certNamespaceOf(settings.kubeConfig, settings.namespace);
  if (namespace === undefined) {
    throw new SelfCertError('--cert-namespace is needed: the kubeconfig names no namespace');
  }
  const api = kubeCertApi(settings.kubeConfig, {
    namespace,
    secretName: settings.secretName,
    ...(settings.webhookConfigName ? { webhookConfigName: settings.webhookConfigName } : {}),
  });
  if (api.webhookRef === undefined) {
    settings.logger.warn({ secret: api.secretRef }, 'no --webhook-config-name: the caBundle is not kept');
  }
  return openSecretTlsSource({
    api,
    names,
    policy: renewalPolicy(
      settings.validityMs,
      settings.renewBeforeMs,
      settings.caOverlapMs ?? DEFAULT_CA_OVERLAP_MS,
    ),
    logger: settings.logger,
    ...(settings.intervalMs !== undefined ? { intervalMs: settings.intervalMs } : {}),
  });
}
