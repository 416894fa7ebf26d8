import type { SecureContextOptions } from 'node:tls';

/**
 * Cipher suites offered, strongest first: Mozilla's "intermediate" profile (v5.7). Only AEAD ciphers
 * with forward secrecy, so no RC4, 3DES, CBC-SHA1, NULL or EXPORT suites. The Go TLS stack in
 * kube-apiserver and kube-scheduler prefers exactly these. TLS 1.3 suites are listed too because
 * Node takes them from the same option.
 * https://ssl-config.mozilla.org/guidelines/5.7.json
 */
export const SERVING_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * The TLS settings of every serving socket (webhook and extender). TLS 1.2 is the floor: 1.0 and 1.1
 * are deprecated by RFC 8996 and every Kubernetes client speaks 1.2+. Honouring our order keeps a
 * client that lists a weaker suite first on the strong one.
 */
export const SERVING_TLS_OPTIONS = {
  minVersion: 'TLSv1.2',
  ciphers: SERVING_CIPHERS,
  honorCipherOrder: true,
} as const satisfies SecureContextOptions;
