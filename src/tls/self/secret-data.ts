import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { checkMaterial, TlsMaterialError, type CheckedMaterial } from '../material.js';
import { bundlePem, readCaBundle, type CaCertificate } from './pem.js';

/**
 * The Secret's keys. `tls.crt`/`tls.key` are what a `kubernetes.io/tls` Secret must hold; `ca.crt` is
 * the trust bundle (the signing CA first, then any older CA still trusted during a rotation) and
 * `ca.key` the key of the signing CA — the names cert-manager uses, so tools that read those read ours.
 */
export const SECRET_KEYS = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  tlsCert: 'tls.crt',
  tlsKey: 'tls.key',
} as const;

export type CertField = keyof typeof SECRET_KEYS;

/** The four PEM texts of the Secret. */
export type CertSet = { readonly [F in CertField]: string };

/** A Secret's `data` (base64 values) for `set`. */
export function encodeSecretData(set: CertSet): Record<string, string> {
  const data: Record<string, string> = {};
  for (const field of Object.keys(SECRET_KEYS) as CertField[]) {
    data[SECRET_KEYS[field]] = Buffer.from(set[field], 'utf8').toString('base64');
  }
  return data;
}

/** The PEM texts found in a Secret's `data`; a missing key is absent, other keys are ignored. */
export function decodeSecretData(data: Readonly<Record<string, string>> | undefined): Partial<CertSet> {
  const out: Partial<Record<CertField, string>> = {};
  for (const field of Object.keys(SECRET_KEYS) as CertField[]) {
    const value = data?.[SECRET_KEYS[field]];
    if (value !== undefined && value !== '') out[field] = Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}

/** The CA that signs new serving certificates: a certificate of `ca.crt` and the key `ca.key`. */
export interface SigningCa {
  readonly ca: CaCertificate;
  /** PEM (PKCS#8 when we made it). */
  readonly key: string;
}

/** A serving pair that OpenSSL accepts, with the CA of `ca.crt` that signed it. */
export interface ServingPair {
  readonly checked: CheckedMaterial;
  readonly issuer: CaCertificate;
}

/**
 * What a Secret holds, judged piece by piece: the trust bundle, the signing CA and the serving pair.
 * A broken piece comes with a reason instead of its value, so the planner can repair just that piece
 * (a broken serving pair does not cost the CA that every API server already trusts).
 */
export interface CertSecretState {
  /** `ca.crt` in order, expired ones included (the planner decides what expiry means). */
  readonly trusted: readonly CaCertificate[];
  readonly signer?: SigningCa;
  readonly signerProblem?: string;
  readonly serving?: ServingPair;
  readonly servingProblem?: string;
}

function parseKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

function findSigner(trusted: readonly CaCertificate[], keyPem: string | undefined): SigningCa | string {
  if (keyPem === undefined) return `${SECRET_KEYS.caKey} is missing`;
  const key = parseKey(keyPem);
  if (key === undefined) return `${SECRET_KEYS.caKey} is not a private key`;
  const ca = trusted.find((c) => new X509Certificate(c.pem).checkPrivateKey(key));
  return ca
    ? { ca, key: keyPem }
    : `${SECRET_KEYS.caKey} belongs to no CA certificate of ${SECRET_KEYS.caCert}`;
}

/** The CA of `trusted` whose signature `cert` carries, if any. */
export function issuerOf(certPem: string, trusted: readonly CaCertificate[]): CaCertificate | undefined {
  const cert = new X509Certificate(certPem);
  return trusted.find((c) => {
    const ca = new X509Certificate(c.pem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  });
}

function checkServing(values: Partial<CertSet>, trusted: readonly CaCertificate[]): ServingPair | string {
  const { tlsCert, tlsKey } = values;
  if (tlsCert === undefined || tlsKey === undefined) {
    return `${SECRET_KEYS.tlsCert} or ${SECRET_KEYS.tlsKey} is missing`;
  }
  let checked: CheckedMaterial;
  try {
    checked = checkMaterial({ cert: tlsCert, key: tlsKey, ca: bundlePem(trusted) });
  } catch (err) {
    return err instanceof TlsMaterialError ? err.message : String(err);
  }
  const issuer = issuerOf(tlsCert, trusted);
  return issuer
    ? { checked, issuer }
    : `${SECRET_KEYS.tlsCert} is not signed by a CA of ${SECRET_KEYS.caCert}`;
}

/** Reads and checks a Secret's `data` (base64 values, as the API returns them). */
export function readCertSecret(data: Readonly<Record<string, string>> | undefined): CertSecretState {
  const values = decodeSecretData(data);
  const bundle = readCaBundle(values.caCert ?? '');
  const trusted = bundle.cas;
  const signer = findSigner(trusted, values.caKey);
  const serving = checkServing(values, trusted);
  const caProblem =
    trusted.length === 0
      ? `${SECRET_KEYS.caCert} holds no CA certificate${bundle.problems.length ? `: ${bundle.problems.join('; ')}` : ''}`
      : undefined;
  return {
    trusted,
    ...(typeof signer === 'string' ? { signerProblem: caProblem ?? signer } : { signer }),
    ...(typeof serving === 'string' ? { servingProblem: serving } : { serving }),
  };
}
