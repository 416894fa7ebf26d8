import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateInfo } from '../../../src/tls/info.js';
import { CertificateInputError } from '../../../src/tls/names.js';
import { writeCertBundle } from '../../../src/tls/writer.js';

const SLOW = 30_000;
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kc-certs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('writeCertBundle', () => {
  it(
    'creates the directory and writes a CA and a serving pair for the names',
    async () => {
      const out = join(root, 'nested', 'certs');
      const bundle = await writeCertBundle(out, {
        dns: ['kube-converge.kube-system.svc'],
        ip: ['10.96.0.10'],
        validDays: 10,
      });

      expect((await readdir(out)).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
      expect(bundle.files.caCert.path).toBe(join(out, 'ca.crt'));
      expect(bundle.files.tlsKey.path).toBe(join(out, 'tls.key'));
      for (const file of Object.values(bundle.files)) expect(await mode(file.path)).toBe(file.mode);
      expect(await mode(join(out, 'ca.key'))).toBe(0o600);
      expect(await mode(join(out, 'tls.key'))).toBe(0o600);
      expect(await mode(join(out, 'tls.crt'))).toBe(0o644);

      const caPem = await readFile(join(out, 'ca.crt'), 'utf8');
      const tlsPem = await readFile(join(out, 'tls.crt'), 'utf8');
      const caCert = new X509Certificate(caPem);
      const tlsCert = new X509Certificate(tlsPem);
      expect(caCert.ca).toBe(true);
      expect(tlsCert.checkIssued(caCert)).toBe(true);
      expect(tlsCert.checkPrivateKey(createPrivateKey(await readFile(join(out, 'tls.key'))))).toBe(true);
      expect(caCert.checkPrivateKey(createPrivateKey(await readFile(join(out, 'ca.key'))))).toBe(true);
      expect(certificateInfo(tlsPem)).toMatchObject({
        dnsNames: ['kube-converge.kube-system.svc'],
        ipAddresses: ['10.96.0.10'],
      });
      expect(bundle.serving.fingerprint).toBe(tlsCert.fingerprint256);
      expect(bundle.ca.fingerprint).toBe(caCert.fingerprint256);
    },
    SLOW,
  );

  it(
    'refuses to replace an existing file unless told to',
    async () => {
      await writeFile(join(root, 'ca.crt'), 'the CA already in a caBundle');
      const request = { dns: ['a.example'], ip: [], validDays: 1 };
      await expect(writeCertBundle(root, request)).rejects.toThrow(
        new CertificateInputError(`${join(root, 'ca.crt')} already exists; refusing to replace it`),
      );
      expect(await readFile(join(root, 'ca.crt'), 'utf8')).toBe('the CA already in a caBundle');

      await writeCertBundle(root, { ...request, overwrite: true });
      expect(new X509Certificate(await readFile(join(root, 'ca.crt'))).ca).toBe(true);
      // An existing file keeps no stale mode: keys are 0600 even when replaced.
      expect(await mode(join(root, 'ca.key'))).toBe(0o600);
    },
    SLOW,
  );

  it.each([
    [{ dns: [], ip: [] }, 'at least one DNS name or IP address'],
    [{ dns: ['ok.example', 'bad..name'], ip: [] }, 'DNS name "bad..name"'],
    [{ dns: ['ok.example'], ip: ['10.0.0.256'] }, 'IP address "10.0.0.256"'],
    [{ dns: ['*.ok.example'], ip: ['not-an-ip'] }, 'IP address "not-an-ip"'],
  ])('rejects %j naming the bad value and writes nothing', async (names, message) => {
    const out = join(root, 'out');
    const written = writeCertBundle(out, { ...names, validDays: 1 });
    await expect(written).rejects.toThrow(CertificateInputError);
    await expect(written).rejects.toThrow(message);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it('rejects a bad lifetime naming it', async () => {
    await expect(writeCertBundle(root, { dns: ['a'], ip: [], validDays: 99999 })).rejects.toThrow(
      'validity 99999 days',
    );
  });
});
