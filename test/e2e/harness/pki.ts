/**
 * The certificates of one run: a cluster CA that signs the API server's serving certificate and the
 * admin client certificate (O=system:masters), the ServiceAccount signing key, and a separate CA for
 * the webhook's 127.0.0.1 certificate (the API server checks it against the caBundle). Made with the
 * product's own node-forge code (src/tls/certs.ts) plus a client certificate, which it does not make.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { makeCA, makeServingCert, type PemPair } from '../../../src/tls/certs.js';

const generateKeyPairAsync = promisify(generateKeyPair);
const VALID_DAYS = 30;

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caCertFile: string;
  readonly apiserverCertFile: string;
  readonly apiserverKeyFile: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKeyFile: string;
  readonly saPubFile: string;
  readonly webhookCaCert: string;
  readonly webhookCertFile: string;
  readonly webhookKeyFile: string;
}

/** A client certificate: CN is the user, O the group (system:masters = cluster admin, no RBAC needed). */
async function makeClientCert(ca: PemPair, user: string, group: string): Promise<PemPair> {
  const { privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f || 1;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 5 * 60_000);
  cert.validity.notAfter = new Date(Date.now() + VALID_DAYS * 86_400_000);
  cert.setSubject([
    { name: 'commonName', value: user },
    { name: 'organizationName', value: group },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), key: privateKey };
}

/** Writes every certificate and key of a run into `dir` (mode 0600 for keys). */
export async function makePki(dir: string): Promise<Pki> {
  const [ca, webhookCa, sa] = await Promise.all([
    makeCA({ commonName: 'kube-converge e2e cluster CA', validDays: VALID_DAYS }),
    makeCA({ commonName: 'kube-converge e2e webhook CA', validDays: VALID_DAYS }),
    generateKeyPairAsync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }),
  ]);
  const [apiserver, admin, webhook] = await Promise.all([
    makeServingCert({
      ca,
      // 10.0.0.1: the `kubernetes` Service's ClusterIP in --service-cluster-ip-range 10.0.0.0/24.
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.0.0.1'],
      validDays: VALID_DAYS,
    }),
    makeClientCert(ca, 'e2e-admin', 'system:masters'),
    makeServingCert({
      ca: webhookCa,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      validDays: VALID_DAYS,
    }),
  ]);
  const files: Record<string, string> = {
    'ca.crt': ca.cert,
    'apiserver.crt': apiserver.cert,
    'apiserver.key': apiserver.key,
    'sa.key': sa.privateKey,
    'sa.pub': sa.publicKey,
    'webhook-ca.crt': webhookCa.cert,
    'webhook.crt': webhook.cert,
    'webhook.key': webhook.key,
  };
  await Promise.all(
    Object.entries(files).map(([name, pem]) =>
      writeFile(join(dir, name), pem, { mode: name.endsWith('.key') ? 0o600 : 0o644 }),
    ),
  );
  return {
    dir,
    caCert: ca.cert,
    caCertFile: join(dir, 'ca.crt'),
    apiserverCertFile: join(dir, 'apiserver.crt'),
    apiserverKeyFile: join(dir, 'apiserver.key'),
    adminCert: admin.cert,
    adminKey: admin.key,
    saKeyFile: join(dir, 'sa.key'),
    saPubFile: join(dir, 'sa.pub'),
    webhookCaCert: webhookCa.cert,
    webhookCertFile: join(dir, 'webhook.crt'),
    webhookKeyFile: join(dir, 'webhook.key'),
  };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** An admin kubeconfig (JSON is valid YAML: kube-scheduler, KCM and client-node all read it). */
export function adminKubeconfig(pki: Pki, server: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }],
      users: [
        {
          name: 'e2e-admin',
          user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) },
        },
      ],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e-admin', namespace: 'default' } }],
      'current-context': 'e2e',
    },
    null,
    2,
  );
}
