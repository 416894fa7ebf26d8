import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { CertificateInputError } from '../../../src/tls/names.js';
import { openTlsSource, type TlsSource } from '../../../src/tls/reloading.js';
import { createHttpsServer } from '../../../src/tls/server.js';
import { closeServer, handshake, listen } from './helpers.js';

const SLOW = 30_000;
// A real pino logger: checks that it fits the TlsLogger interface.
const logger = pino({ enabled: false });

describe('a self-signed source (no --tls-cert-file)', () => {
  let root: string;
  let caOut: string;
  let source: TlsSource;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kc-self-'));
    caOut = join(root, 'out', 'ca.crt');
    source = await openTlsSource({
      logger,
      selfSigned: {
        caOut,
        dnsNames: ['kube-converge.kube-system.svc'],
        ipAddresses: ['10.96.0.10'],
        validDays: 2,
      },
    });
    server = createHttpsServer((_req, res) => res.end('ok'), source, { logger });
    port = await listen(server);
  }, SLOW);

  afterAll(async () => {
    source.close();
    await closeServer(server);
    await rm(root, { recursive: true, force: true });
  });

  it('writes its CA to caOut, and that CA signed what is served', async () => {
    const caPem = await readFile(caOut, 'utf8');
    expect((await stat(caOut)).mode & 0o777).toBe(0o644);
    expect(source.loaded).toBe(true);
    expect(source.current()?.ca).toBe(caPem);
    const ca = new X509Certificate(caPem);
    expect(ca.ca).toBe(true);
    expect(new X509Certificate(source.current()?.cert ?? '').checkIssued(ca)).toBe(true);
    expect(source.info()).toMatchObject({
      dnsNames: ['localhost', 'kube-converge.kube-system.svc'],
      ipAddresses: ['127.0.0.1', '::1', '10.96.0.10'],
    });
  });

  it.each([
    ['by IP address (no SNI)', {}],
    ['by localhost', { servername: 'localhost' }],
    ['by the Service name', { servername: 'kube-converge.kube-system.svc' }],
  ])('is trusted by a client that trusts caOut, %s', async (_how, options) => {
    const { peer } = await handshake(port, { ca: await readFile(caOut), ...options });
    expect(peer.fingerprint256).toBe(source.info()?.fingerprint);
  });

  it('is refused for a name it was not made for, or without the CA', async () => {
    await expect(
      handshake(port, { ca: await readFile(caOut), servername: 'other.example' }),
    ).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    await expect(handshake(port, { servername: 'localhost' })).rejects.toThrow();
  });
});

describe('openTlsSource', () => {
  it.each([[{ certFile: '/etc/tls/tls.crt' }], [{ keyFile: '/etc/tls/tls.key' }]])(
    'wants both files or neither: %j',
    async (files) => {
      await expect(openTlsSource({ logger, ...files })).rejects.toThrow(
        new CertificateInputError('--tls-cert-file and --tls-key-file must be given together'),
      );
    },
  );

  it('rejects a bad extra name naming it', async () => {
    await expect(openTlsSource({ logger, selfSigned: { dnsNames: ['bad_name'] } })).rejects.toThrow(
      'DNS name "bad_name"',
    );
  });
});
