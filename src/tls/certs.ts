import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { checkSubjectNames, checkValidDays, ipAddressBytes } from './names.js';

/** A certificate and its private key, both PEM (the key is PKCS#8, `BEGIN PRIVATE KEY`). */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

export interface MakeCAOptions {
  readonly commonName: string;
  readonly validDays: number;
  /** RSA modulus length; 2048 unless given. */
  readonly keyBits?: number;
  /** "Now" for the validity window; the wall clock unless given (tests pin it). */
  readonly now?: Date;
}

export interface MakeServingCertOptions {
  /** The CA that signs the serving certificate: a pair made by `makeCA`. */
  readonly ca: PemPair;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly validDays: number;
  readonly keyBits?: number;
  /** Also allow the certificate for TLS client authentication (extKeyUsage clientAuth). */
  readonly clientAuth?: boolean;
  readonly now?: Date;
}

const DEFAULT_KEY_BITS = 2048;
const DAY_MS = 24 * 60 * 60 * 1000;
// Backdated so a peer whose clock runs a little behind ours does not see "not yet valid".
const CLOCK_SKEW_MS = 5 * 60 * 1000;
// RFC 5280 §4.1.2.2: serials are positive and at most 20 octets; CA/B Forum asks for ≥ 64 random bits.
const SERIAL_BYTES = 16;
// X.520 ub-common-name: a Common Name longer than 64 characters is not valid.
const MAX_COMMON_NAME = 64;

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * An RSA key pair made by OpenSSL through node:crypto, handed to node-forge as PEM.
 *
 * Why not node-forge's own generator: in pure JavaScript it took 1.75 s per RSA-2048 key on our 2-vCPU
 * machine (4 s while the machine was busy), blocking the event loop throughout. Its
 * forge.pki.rsa.generateKeyPair does hand over to node:crypto when no `prng` is given and the global
 * `forge.options.usePureJavaScript` is off — the same OpenSSL work (median 0.3 s per key, measured
 * side by side) — but silently falls back to the slow path if anything in the process flips that
 * global, and its synchronous form blocks the event loop. Calling node:crypto's asynchronous
 * generateKeyPair ourselves costs the same and runs on the libuv thread pool, so a server making its
 * self-signed pair at start keeps answering its probes meanwhile. Signing stays with forge (~30 ms).
 */
async function rsaKeyPair(bits: number): Promise<{ pem: string; forgeKey: forge.pki.rsa.PrivateKey }> {
  const { privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { pem: privateKey, forgeKey: forge.pki.privateKeyFromPem(privateKey) };
}

/** A random positive serial number as hex, with a non-zero first octet so its DER form is minimal. */
function randomSerial(): string {
  const bytes = randomBytes(SERIAL_BYTES);
  // Clear the sign bit (a set top bit would make the DER INTEGER negative, which Go's x509 rejects) and
  // keep the first octet non-zero (a leading 0x00 before a byte < 0x80 is a non-minimal encoding).
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString('hex');
}

function validityWindow(now: Date, validDays: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + checkValidDays(validDays) * DAY_MS),
  };
}

function toPem(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

/** Makes a self-signed CA certificate (basicConstraints CA:true, path length 0) and its key. */
export async function makeCA(options: MakeCAOptions): Promise<PemPair> {
  const { notBefore, notAfter } = validityWindow(options.now ?? new Date(), options.validDays);
  const keys = await rsaKeyPair(options.keyBits ?? DEFAULT_KEY_BITS);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(keys.forgeKey.n, keys.forgeKey.e);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [{ name: 'commonName', value: options.commonName.slice(0, MAX_COMMON_NAME) }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    // Path length 0: this CA signs serving certificates only, never another CA.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.forgeKey, forge.md.sha256.create());
  return { cert: toPem(cert), key: keys.pem };
}

/** The CA's subjectKeyIdentifier bytes, for the leaf's authorityKeyIdentifier. */
function caKeyIdentifier(ca: forge.pki.Certificate): string {
  const ext: { subjectKeyIdentifier?: string } | undefined = ca.getExtension('subjectKeyIdentifier');
  return ext?.subjectKeyIdentifier
    ? forge.util.hexToBytes(ext.subjectKeyIdentifier)
    : ca.generateSubjectKeyIdentifier().getBytes();
}

function subjectAltNames(dnsNames: readonly string[], ipAddresses: readonly string[]): object[] {
  return [
    ...dnsNames.map((value) => ({ type: 2, value })),
    // Encoded here (type 7 with raw bytes) rather than through forge's `ip` field: see ipAddressBytes.
    ...ipAddresses.map((ip) => ({ type: 7, value: String.fromCharCode(...ipAddressBytes(ip)) })),
  ];
}

/**
 * Makes a serving certificate signed by `ca`, valid for exactly the given DNS names and IP addresses
 * (always as subjectAltName: Go clients such as kube-apiserver ignore the Common Name since Go 1.15).
 * Throws CertificateInputError for a bad name, address or lifetime.
 */
export async function makeServingCert(options: MakeServingCertOptions): Promise<PemPair> {
  const names = checkSubjectNames(options.dnsNames, options.ipAddresses);
  const window = validityWindow(options.now ?? new Date(), options.validDays);
  const caCert = forge.pki.certificateFromPem(options.ca.cert);
  const caKey = forge.pki.privateKeyFromPem(options.ca.key);
  const keys = await rsaKeyPair(options.keyBits ?? DEFAULT_KEY_BITS);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(keys.forgeKey.n, keys.forgeKey.e);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = window.notBefore;
  // A leaf outliving its CA would fail verification after the CA expires anyway; say so in the dates.
  cert.validity.notAfter = new Date(Math.min(window.notAfter.getTime(), caCert.validity.notAfter.getTime()));
  const commonName = [...names.dnsNames, ...names.ipAddresses].find((n) => n.length <= MAX_COMMON_NAME);
  cert.setSubject(commonName ? [{ name: 'commonName', value: commonName }] : []);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: options.clientAuth === true },
    // RFC 5280 §4.2.1.6: with an empty subject the SAN extension must be critical.
    {
      name: 'subjectAltName',
      altNames: subjectAltNames(names.dnsNames, names.ipAddresses),
      critical: !commonName,
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(caCert) },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: toPem(cert), key: keys.pem };
}
