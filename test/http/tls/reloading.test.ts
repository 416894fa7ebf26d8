import { get, type Server } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCA, makeServingCert, type PemPair } from '../../../src/tls/certs.js';
import { certificateInfo, type CertificateInfo } from '../../../src/tls/info.js';
import type { TlsMaterialError } from '../../../src/tls/material.js';
import { openFileTlsSource, type TlsSource } from '../../../src/tls/reloading.js';
import { createHttpsServer } from '../../../src/tls/server.js';
import { closeServer, handshake, listen, nextValue, publishSecret, recordingLogger } from './helpers.js';

const SLOW = 30_000;
const WAIT = 5_000;

let caA: PemPair;
let caB: PemPair;
let pairA: PemPair;
let pairB: PemPair;
let infoA: CertificateInfo;
let infoB: CertificateInfo;
let root: string;

beforeAll(async () => {
  caA = await makeCA({ commonName: 'ca-a', validDays: 2 });
  caB = await makeCA({ commonName: 'ca-b', validDays: 2 });
  pairA = await makeServingCert({
    ca: caA,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validDays: 1,
  });
  pairB = await makeServingCert({
    ca: caB,
    dnsNames: ['localhost', 'second.example'],
    ipAddresses: ['127.0.0.1'],
    validDays: 1,
  });
  infoA = certificateInfo(pairA.cert);
  infoB = certificateInfo(pairB.cert);
  root = await mkdtemp(join(tmpdir(), 'kc-tls-'));
}, SLOW);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Errors reported by a source, with a way to wait for the next one. */
function errorTap(): { onError: (e: TlsMaterialError) => void; next: () => Promise<TlsMaterialError> } {
  const waiters: ((e: TlsMaterialError) => void)[] = [];
  return {
    onError: (e) => waiters.splice(0).forEach((w) => w(e)),
    next: () => nextValue((deliver) => waiters.push(deliver), WAIT, 'a reload error'),
  };
}

function nextChange(source: TlsSource): Promise<CertificateInfo> {
  return nextValue(
    (deliver) => {
      const off = source.onChange((_m, info) => {
        off();
        deliver(info);
      });
    },
    WAIT,
    'a certificate change',
  );
}

describe('a server whose certificate follows a Kubernetes Secret volume', () => {
  const secretDir = (): string => join(root, 'secret');
  const logger = recordingLogger();
  const errors = errorTap();
  let source: TlsSource;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    await publishSecret(secretDir(), 'v1', { 'tls.crt': pairA.cert, 'tls.key': pairA.key });
    source = await openFileTlsSource({
      certFile: join(secretDir(), 'tls.crt'),
      keyFile: join(secretDir(), 'tls.key'),
      logger,
      onError: errors.onError,
      // No poll: what is picked up here was seen by the directory watch.
      pollIntervalMs: 0,
      debounceMs: 50,
    });
    server = createHttpsServer((_req, res) => res.end('ok'), source, { logger });
    port = await listen(server);
  });

  afterAll(async () => {
    source.close();
    await closeServer(server);
  });

  it('serves the pair from the files', async () => {
    expect(source.loaded).toBe(true);
    const { peer } = await handshake(port, { ca: caA.cert, servername: 'localhost' });
    expect(peer.serialNumber).toBe(infoA.serialNumber);
    expect(peer.fingerprint256).toBe(infoA.fingerprint);
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/', ca: caA.cert, agent: false }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toBe('ok');
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'serving certificate loaded' }),
    );
  });

  it('keeps idle API server connections open longer than its 90 s and bounds requests', () => {
    expect(server.keepAliveTimeout).toBe(120_000);
    expect(server.requestTimeout).toBe(30_000);
    expect(server.headersTimeout).toBe(30_000);
  });

  it(
    'presents the new certificate to new connections after a ..data swap, without a restart',
    async () => {
      const changed = nextChange(source);
      await publishSecret(secretDir(), 'v2', { 'tls.crt': pairB.cert, 'tls.key': pairB.key });
      expect((await changed).serialNumber).toBe(infoB.serialNumber);

      const { peer } = await handshake(port, { ca: caB.cert, servername: 'second.example' });
      expect(peer.serialNumber).toBe(infoB.serialNumber);
      expect(peer.fingerprint256).toBe(infoB.fingerprint);
      expect(peer.subjectaltname).toContain('DNS:second.example');
      // And the old CA no longer vouches for what is served.
      await expect(handshake(port, { ca: caA.cert, servername: 'localhost' })).rejects.toThrow();
      expect(source.current()?.cert).toBe(pairB.cert);
    },
    SLOW,
  );

  it.each([
    [
      'a key of another certificate',
      (): Record<string, string> => ({ 'tls.crt': pairA.cert, 'tls.key': pairB.key }),
      /key values mismatch/,
    ],
    [
      'a certificate that is not PEM',
      (): Record<string, string> => ({ 'tls.crt': 'garbage', 'tls.key': pairB.key }),
      /cannot be used/,
    ],
    [
      'a truncated key',
      (): Record<string, string> => ({ 'tls.crt': pairA.cert, 'tls.key': pairA.key.slice(0, 200) }),
      /cannot be used/,
    ],
  ])(
    'keeps serving the old certificate when handed %s, and says so',
    async (_what, files, message) => {
      const reported = errors.next();
      await publishSecret(secretDir(), `bad-${Math.random().toString(36).slice(2)}`, files());
      expect((await reported).message).toMatch(message);

      const { peer } = await handshake(port, { ca: caB.cert, servername: 'localhost' });
      expect(peer.serialNumber).toBe(infoB.serialNumber);
      expect(source.loaded).toBe(true);
      expect(source.info()?.serialNumber).toBe(infoB.serialNumber);
      expect(logger.entries.at(-1)).toMatchObject({
        level: 'error',
        msg: 'TLS files not loaded; keeping the previous certificate',
      });
    },
    SLOW,
  );

  // Checked after reloads: setSecureContext resets every option it is not given.
  it('still refuses TLS 1.1 after a reload', async () => {
    const legacy = handshake(port, {
      ca: caB.cert,
      servername: 'localhost',
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      // OpenSSL 3 will not even offer TLS 1.1 at its default security level.
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    await expect(legacy).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
  });

  it('still refuses CBC-SHA1 suites after a reload, and accepts AES-GCM', async () => {
    const cbc = handshake(port, {
      ca: caB.cert,
      servername: 'localhost',
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-SHA:AES128-SHA',
    });
    await expect(cbc).rejects.toMatchObject({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
    const gcm = await handshake(port, {
      ca: caB.cert,
      servername: 'localhost',
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    });
    expect(gcm).toMatchObject({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect((await handshake(port, { ca: caB.cert, servername: 'localhost' })).protocol).toBe('TLSv1.3');
  });

  it(
    'takes a good pair again after a bad one',
    async () => {
      const changed = nextChange(source);
      await publishSecret(secretDir(), 'v3', { 'tls.crt': pairA.cert, 'tls.key': pairA.key });
      expect((await changed).serialNumber).toBe(infoA.serialNumber);
      expect((await handshake(port, { ca: caA.cert, servername: 'localhost' })).peer.serialNumber).toBe(
        infoA.serialNumber,
      );
    },
    SLOW,
  );
});

describe('a file source', () => {
  it(
    'polls when it is not watching, and stops when closed',
    async () => {
      const dir = await mkdtemp(join(root, 'poll-'));
      const certFile = join(dir, 'cert.pem');
      const keyFile = join(dir, 'key.pem');
      await writeFile(certFile, pairA.cert);
      await writeFile(keyFile, pairA.key);
      const source = await openFileTlsSource({
        certFile,
        keyFile,
        logger: recordingLogger(),
        watch: false,
        pollIntervalMs: 100,
      });
      expect(source.info()?.serialNumber).toBe(infoA.serialNumber);

      const changed = nextChange(source);
      await writeFile(keyFile, pairB.key);
      await writeFile(certFile, pairB.cert);
      expect((await changed).serialNumber).toBe(infoB.serialNumber);

      source.close();
      await writeFile(keyFile, pairA.key);
      await writeFile(certFile, pairA.cert);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(source.info()?.serialNumber).toBe(infoB.serialNumber);
    },
    SLOW,
  );

  it(
    'starts unloaded when the files are missing, refuses handshakes, and serves once they appear',
    async () => {
      const dir = await mkdtemp(join(root, 'late-'));
      const logger = recordingLogger();
      const errors: TlsMaterialError[] = [];
      const source = await openFileTlsSource({
        certFile: join(dir, 'tls.crt'),
        keyFile: join(dir, 'tls.key'),
        logger,
        onError: (e) => errors.push(e),
        pollIntervalMs: 0,
        debounceMs: 50,
      });
      const server = createHttpsServer((_req, res) => res.end('ok'), source, { logger });
      try {
        expect(source.loaded).toBe(false);
        expect(source.current()).toBeUndefined();
        expect(errors.map((e) => e.message)).toEqual([
          expect.stringMatching(/cannot read TLS files: .*ENOENT/),
        ]);
        const port = await listen(server);
        await expect(handshake(port, { ca: caA.cert, servername: 'localhost' })).rejects.toThrow();

        const changed = nextChange(source);
        await writeFile(join(dir, 'tls.key'), pairA.key);
        await writeFile(join(dir, 'tls.crt'), pairA.cert);
        await changed;
        expect(source.loaded).toBe(true);
        const { peer } = await handshake(port, { ca: caA.cert, servername: 'localhost' });
        expect(peer.serialNumber).toBe(infoA.serialNumber);
      } finally {
        source.close();
        await closeServer(server);
      }
    },
    SLOW,
  );
});
