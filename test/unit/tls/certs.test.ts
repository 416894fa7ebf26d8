import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { makeCA, makeServingCert, type PemPair } from '../../../src/tls/certs.js';
import { certificateInfo } from '../../../src/tls/info.js';
import { CertificateInputError } from '../../../src/tls/names.js';

// Key generation takes a few hundred ms per key on a busy 2-core machine.
const SLOW = 30_000;
const NOW = new Date('2030-01-15T12:00:00Z');
const DAY = 86_400_000;
const SKEW = 5 * 60_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let ca: PemPair;
let leaf: PemPair;
let clientLeaf: PemPair;

beforeAll(async () => {
  ca = await makeCA({ commonName: 'unit-test-ca', validDays: 30, now: NOW });
  leaf = await makeServingCert({
    ca,
    dnsNames: ['kube-converge.kube-system.svc', '*.kube-system.svc', 'kube-converge.kube-system.svc'],
    ipAddresses: ['10.96.0.10', 'fd00::10', '::ffff:192.0.2.1'],
    validDays: 7,
    now: NOW,
  });
  clientLeaf = await makeServingCert({
    ca,
    dnsNames: [],
    ipAddresses: ['127.0.0.1'],
    validDays: 90, // longer than the CA's 30 days
    clientAuth: true,
    now: NOW,
  });
}, SLOW);

function extension<T>(pem: string, name: string): T | undefined {
  return forge.pki.certificateFromPem(pem).getExtension(name) as T | undefined;
}

function serialBits(hex: string): number {
  return BigInt(`0x${hex}`).toString(2).length;
}

describe('makeCA', () => {
  it('is a CA by basicConstraints, may only sign leaves, and signs certificates', () => {
    const x509 = new X509Certificate(ca.cert);
    expect(x509.ca).toBe(true);
    expect(x509.subject).toBe('CN=unit-test-ca');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(extension(ca.cert, 'basicConstraints')).toMatchObject({
      cA: true,
      pathLenConstraint: 0,
      critical: true,
    });
    expect(extension(ca.cert, 'keyUsage')).toMatchObject({
      keyCertSign: true,
      cRLSign: true,
      critical: true,
    });
  });

  it('is valid from five minutes before now for validDays', () => {
    const info = certificateInfo(ca.cert);
    expect(info.notBefore.getTime()).toBe(NOW.getTime() - SKEW);
    expect(info.notAfter.getTime()).toBe(NOW.getTime() + 30 * DAY);
  });

  it('writes an RSA-2048 PKCS#8 key that belongs to the certificate', () => {
    expect(ca.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(ca.key);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(new X509Certificate(ca.cert).checkPrivateKey(key)).toBe(true);
  });
});

describe('makeServingCert', () => {
  it('carries every DNS name and IP address as subjectAltName, once', () => {
    const info = certificateInfo(leaf.cert);
    expect(info.dnsNames).toEqual(['kube-converge.kube-system.svc', '*.kube-system.svc']);
    expect(info.ipAddresses).toEqual(['10.96.0.10', 'fd00::10', '::ffff:c000:201']);
    const x509 = new X509Certificate(leaf.cert);
    expect(x509.checkHost('kube-converge.kube-system.svc')).toBe('kube-converge.kube-system.svc');
    expect(x509.checkHost('other.kube-system.svc')).toBe('*.kube-system.svc');
    expect(x509.checkHost('kube-system.svc')).toBeUndefined();
    expect(x509.checkIP('10.96.0.10')).toBe('10.96.0.10');
    expect(x509.checkIP('fd00::10')).toBe('fd00::10');
    expect(x509.checkIP('10.96.0.11')).toBeUndefined();
  });

  it('has a subjectAltName even for an IP-only certificate', () => {
    expect(certificateInfo(clientLeaf.cert)).toMatchObject({ dnsNames: [], ipAddresses: ['127.0.0.1'] });
    expect(new X509Certificate(clientLeaf.cert).subject).toBe('CN=127.0.0.1');
  });

  it('is a leaf for server authentication, signed by the CA', () => {
    const x509 = new X509Certificate(leaf.cert);
    const caX509 = new X509Certificate(ca.cert);
    expect(x509.ca).toBe(false);
    expect(x509.checkIssued(caX509)).toBe(true);
    expect(x509.verify(caX509.publicKey)).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(false);
    expect(x509.keyUsage).toEqual([SERVER_AUTH]);
    expect(extension(leaf.cert, 'basicConstraints')).toMatchObject({ cA: false, critical: true });
    expect(extension(leaf.cert, 'keyUsage')).toMatchObject({
      digitalSignature: true,
      keyEncipherment: true,
      keyCertSign: false,
      critical: true,
    });
  });

  it('adds clientAuth when asked', () => {
    expect(new X509Certificate(clientLeaf.cert).keyUsage?.sort()).toEqual([SERVER_AUTH, CLIENT_AUTH]);
  });

  it("names the CA's key in authorityKeyIdentifier", () => {
    const caSki = extension<{ subjectKeyIdentifier: string }>(ca.cert, 'subjectKeyIdentifier');
    const leafSki = extension<{ subjectKeyIdentifier: string }>(leaf.cert, 'subjectKeyIdentifier');
    const aki = extension<{ value: string }>(leaf.cert, 'authorityKeyIdentifier');
    // DER: SEQUENCE { [0] keyIdentifier } — the 20-byte SHA-1 key identifier ends the value.
    const akiBytes = forge.util.bytesToHex(aki?.value ?? '').slice(-40);
    expect(akiBytes).toBe(caSki?.subjectKeyIdentifier);
    expect(akiBytes).not.toBe(leafSki?.subjectKeyIdentifier);
  });

  it('is valid from five minutes before now, and never beyond its CA', () => {
    expect(certificateInfo(leaf.cert).notBefore.getTime()).toBe(NOW.getTime() - SKEW);
    expect(certificateInfo(leaf.cert).notAfter.getTime()).toBe(NOW.getTime() + 7 * DAY);
    expect(certificateInfo(clientLeaf.cert).notAfter).toEqual(certificateInfo(ca.cert).notAfter);
  });

  it('has its own key, which belongs to it', () => {
    const key = createPrivateKey(leaf.key);
    expect(new X509Certificate(leaf.cert).checkPrivateKey(key)).toBe(true);
    expect(new X509Certificate(ca.cert).checkPrivateKey(key)).toBe(false);
    const der = (pem: string): string =>
      createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');
    expect(der(leaf.key)).not.toBe(der(ca.key));
  });

  it('uses random positive serial numbers of at least 64 bits', () => {
    const serials = [ca, leaf, clientLeaf].map((p) => certificateInfo(p.cert).serialNumber);
    expect(new Set(serials).size).toBe(3);
    for (const serial of serials) {
      // Positive with a minimal DER encoding: first octet in 0x01..0x7f.
      const first = parseInt(serial.slice(0, 2), 16);
      expect(first).toBeGreaterThanOrEqual(1);
      expect(first).toBeLessThanOrEqual(0x7f);
      expect(serialBits(serial)).toBeGreaterThanOrEqual(64);
    }
  });

  it.each([
    [{ dnsNames: ['ok.example', 'not_ok'], ipAddresses: [] }, 'DNS name "not_ok"'],
    [{ dnsNames: [], ipAddresses: ['1.2.3'] }, 'IP address "1.2.3"'],
    [{ dnsNames: [], ipAddresses: [] }, 'at least one DNS name or IP address'],
    [{ dnsNames: ['ok.example'], ipAddresses: [], validDays: 0 }, 'validity 0 days'],
  ])('rejects %j before generating a key', async (names, message) => {
    const made = makeServingCert({ ca, validDays: 1, ...names });
    await expect(made).rejects.toThrow(CertificateInputError);
    await expect(made).rejects.toThrow(message);
  });
});
