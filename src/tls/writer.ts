import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCA, makeServingCert } from './certs.js';
import { CERT_FILE_MODE, KEY_FILE_MODE, writeFileAtomic } from './files.js';
import { certificateInfo, type CertificateInfo } from './info.js';
import { CertificateInputError, checkSubjectNames, checkValidDays } from './names.js';

export interface CertBundleRequest {
  /** DNS names for the serving certificate (`--dns`, repeatable); `*.` wildcards allowed. */
  readonly dns: readonly string[];
  /** IP addresses for the serving certificate (`--ip`, repeatable). */
  readonly ip: readonly string[];
  /** Lifetime of both certificates in days. */
  readonly validDays: number;
  /** Common Name of the CA; `kube-converge-ca` unless given. */
  readonly caCommonName?: string;
  /**
   * Replace files already in the directory. Off by default: replacing ca.crt silently breaks every
   * webhook configuration whose caBundle holds the old CA.
   */
  readonly overwrite?: boolean;
}

/** One file written by writeCertBundle. */
export interface WrittenFile {
  readonly path: string;
  readonly mode: number;
}

export interface CertBundle {
  readonly files: {
    readonly caCert: WrittenFile;
    readonly caKey: WrittenFile;
    readonly tlsCert: WrittenFile;
    readonly tlsKey: WrittenFile;
  };
  readonly ca: CertificateInfo;
  readonly serving: CertificateInfo;
}

/** The file names follow a `kubernetes.io/tls` Secret (tls.crt, tls.key) plus the CA that signed it. */
export const BUNDLE_FILE_NAMES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  tlsCert: 'tls.crt',
  tlsKey: 'tls.key',
} as const;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The core of `kube-converge certs --out DIR --dns NAME --ip IP`: makes a CA and a serving certificate
 * for the given names and writes ca.crt, ca.key, tls.crt and tls.key into `outDir` (created if
 * missing; keys 0600, certificates 0644). Throws CertificateInputError naming a bad name, address,
 * lifetime or an existing file; file system errors propagate as they are.
 */
export async function writeCertBundle(outDir: string, request: CertBundleRequest): Promise<CertBundle> {
  // Check everything before the slow key generation and before touching the disk.
  const names = checkSubjectNames(request.dns, request.ip);
  checkValidDays(request.validDays);
  const files = {
    caCert: { path: join(outDir, BUNDLE_FILE_NAMES.caCert), mode: CERT_FILE_MODE },
    caKey: { path: join(outDir, BUNDLE_FILE_NAMES.caKey), mode: KEY_FILE_MODE },
    tlsCert: { path: join(outDir, BUNDLE_FILE_NAMES.tlsCert), mode: CERT_FILE_MODE },
    tlsKey: { path: join(outDir, BUNDLE_FILE_NAMES.tlsKey), mode: KEY_FILE_MODE },
  };
  if (request.overwrite !== true) {
    for (const file of Object.values(files)) {
      if (await exists(file.path)) {
        throw new CertificateInputError(`${file.path} already exists; refusing to replace it`);
      }
    }
  }
  const ca = await makeCA({
    commonName: request.caCommonName ?? 'kube-converge-ca',
    validDays: request.validDays,
  });
  const serving = await makeServingCert({
    ca,
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
    validDays: request.validDays,
  });
  // Keys first: a crash midway leaves no certificate pointing at a key that was never written.
  await writeFileAtomic(files.caKey.path, ca.key, files.caKey.mode);
  await writeFileAtomic(files.tlsKey.path, serving.key, files.tlsKey.mode);
  await writeFileAtomic(files.caCert.path, ca.cert, files.caCert.mode);
  await writeFileAtomic(files.tlsCert.path, serving.cert, files.tlsCert.mode);
  return { files, ca: certificateInfo(ca.cert), serving: certificateInfo(serving.cert) };
}
