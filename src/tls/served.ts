import type { SecureContext } from 'node:tls';
import type { CertificateInfo } from './info.js';
import type { CheckedMaterial, TlsLogger, TlsMaterial } from './material.js';
import type { TlsChangeListener, TlsSource } from './reloading.js';

/**
 * The part every changing TLS source shares: the pair being served, its listeners, and what
 * happens when a new pair is installed (logged, an expired one warned about, listeners told).
 * Sources differ only in where pairs come from (files, a Secret).
 */
export abstract class ServedPair implements Pick<
  TlsSource,
  'loaded' | 'current' | 'secureContext' | 'info' | 'onChange'
> {
  protected checked: CheckedMaterial | undefined;
  private readonly listeners = new Set<TlsChangeListener>();

  get loaded(): boolean {
    return this.checked !== undefined;
  }
  current(): TlsMaterial | undefined {
    return this.checked?.material;
  }
  secureContext(): SecureContext | undefined {
    return this.checked?.context;
  }
  info(): CertificateInfo | undefined {
    return this.checked?.info;
  }
  onChange(listener: TlsChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Serves `next` from now on and tells the servers; a listener's failure is logged, not thrown. */
  protected install(
    next: CheckedMaterial,
    logger: TlsLogger,
    fields: Record<string, unknown>,
    nowMs: number,
  ): void {
    const replaced = this.checked !== undefined;
    this.checked = next;
    logger.info(fields, replaced ? 'serving certificate replaced' : 'serving certificate loaded');
    if (next.info.notAfter.getTime() <= nowMs) logger.warn(fields, 'serving certificate has expired');
    for (const listener of this.listeners) {
      try {
        listener(next.material, next.info);
      } catch (err) {
        logger.error({ err }, 'TLS change listener failed');
      }
    }
  }
}
