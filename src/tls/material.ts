import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { certificateInfo, type CertificateInfo } from './info.js';
import { SERVING_TLS_OPTIONS } from './policy.js';

/** Pino-compatible logger: the three levels this folder writes at. */
export interface TlsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a server presents: the certificate chain and key (PEM) and, when we made it, our CA. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** The CA certificate (PEM) of a self-signed pair; absent for files the user supplied. */
  readonly ca?: string;
}

/** A pair that OpenSSL accepted, with the context built from it and what it says. */
export interface CheckedMaterial {
  readonly material: TlsMaterial;
  readonly context: SecureContext;
  readonly info: CertificateInfo;
}

/** A certificate/key pair that cannot be served: unreadable, not PEM, or a key of another certificate. */
export class TlsMaterialError extends Error {
  override readonly name = 'TlsMaterialError';
}

/**
 * Checks a pair before it is served and builds its secure context. Throws TlsMaterialError (with the
 * OpenSSL error as `cause`) when the PEM does not parse or the key does not belong to the certificate.
 */
export function checkMaterial(material: TlsMaterial): CheckedMaterial {
  let context: SecureContext;
  let info: CertificateInfo;
  try {
    // OpenSSL parses both and refuses a key that does not match ("key values mismatch").
    context = createSecureContext({ ...SERVING_TLS_OPTIONS, cert: material.cert, key: material.key });
    info = certificateInfo(material.cert);
  } catch (cause) {
    throw new TlsMaterialError(`certificate or key cannot be used: ${String(cause)}`, { cause });
  }
  // Said explicitly rather than trusting the context alone: compare the public keys ourselves.
  if (!new X509Certificate(material.cert).checkPrivateKey(createPrivateKey(material.key))) {
    throw new TlsMaterialError('the private key does not belong to the certificate');
  }
  return { material, context, info };
}

/** Log fields describing a certificate, for "loaded" and "replaced" lines. */
export function describe(info: CertificateInfo): Record<string, unknown> {
  return {
    subject: info.subject,
    serialNumber: info.serialNumber,
    notAfter: info.notAfter.toISOString(),
    dnsNames: info.dnsNames,
    ipAddresses: info.ipAddresses,
    fingerprint: info.fingerprint,
  };
}
