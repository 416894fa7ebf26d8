/**
 * What the running CLI exposes, checked from outside: the TLS it negotiates (openssl s_client), the
 * ports it listens on and what each speaks, and what it writes to its log while handling requests
 * and failures with a Portworx token and a TLS key loaded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeServingCert } from '../../src/tls/certs.js';
import { PortworxFake } from '../fakes/portworx/fake.js';
import { testTls } from '../support/http.js';
import { KeepAliveClient } from './support/client.js';
import { serveOnLoopback, type Served } from './support/cli.js';
import { listeningPorts, sClient } from './support/exposure.js';
import { recordFigures } from './support/figures.js';
import { reviewTemplate } from './support/load.js';

const figures: Record<string, unknown> = {};
afterAll(() => recordFigures('tls-exposure', figures));

describe('TLS on the webhook port (openssl s_client against the running CLI)', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serveOnLoopback();
  }, 120_000);
  afterAll(async () => {
    await s?.proc.kill();
  });

  // @SECLEVEL=0 lets this openssl offer what its defaults would refuse, so a refusal is the server's.
  it.each([
    ['TLS 1.1', ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0'], 'protocol version'],
    ['TLS 1.0', ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'], 'protocol version'],
    [
      'RSA key exchange, CBC (AES128-SHA)',
      ['-tls1_2', '-cipher', 'AES128-SHA:@SECLEVEL=0'],
      'handshake failure',
    ],
    [
      'RSA key exchange, no forward secrecy (AES128-GCM-SHA256)',
      ['-tls1_2', '-cipher', 'AES128-GCM-SHA256:@SECLEVEL=0'],
      'handshake failure',
    ],
    [
      'CBC with SHA-1 (ECDHE-RSA-AES128-SHA)',
      ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0'],
      'handshake failure',
    ],
    ['anonymous (aNULL)', ['-tls1_2', '-cipher', 'aNULL:@SECLEVEL=0'], 'handshake failure'],
    ['no encryption (eNULL)', ['-tls1_2', '-cipher', 'eNULL:@SECLEVEL=0'], 'handshake failure'],
    [
      'finite-field DHE (DHE-RSA-AES128-GCM-SHA256)',
      ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0'],
      'handshake failure',
    ],
  ])('refuses %s', (_what, args, alert) => {
    const h = sClient(Number(s.webhook.port), args);
    figures[`s_client ${args.join(' ')}`] = { ok: h.ok, serverAlert: h.serverAlert };
    expect(h.clientCannotOffer).toBe(false);
    expect(h.ok).toBe(false);
    expect(h.serverAlert).toBe(alert);
  });

  it.each([
    ['3DES (DES-CBC3-SHA)', 'DES-CBC3-SHA'],
    ['RC4', 'RC4'],
  ])('refuses %s (or this openssl cannot even offer it)', (_what, cipher) => {
    const h = sClient(Number(s.webhook.port), ['-tls1_2', '-cipher', `${cipher}:@SECLEVEL=0`]);
    figures[`s_client -cipher ${cipher}`] = {
      ok: h.ok,
      serverAlert: h.serverAlert,
      clientCannotOffer: h.clientCannotOffer,
    };
    expect(h.ok).toBe(false);
    // OpenSSL 3 builds these only into the legacy provider; where the client can offer them, the
    // server must be the one saying no.
    if (!h.clientCannotOffer) expect(h.serverAlert).toBe('handshake failure');
  });

  it.each([
    [
      'TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256',
      ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'],
      'TLSv1.2',
      'ECDHE-RSA-AES128-GCM-SHA256',
    ],
    [
      'TLS 1.2 with ECDHE-RSA-CHACHA20-POLY1305',
      ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305'],
      'TLSv1.2',
      'ECDHE-RSA-CHACHA20-POLY1305',
    ],
    ['TLS 1.3', ['-tls1_3'], 'TLSv1.3', 'TLS_AES_128_GCM_SHA256'],
  ])('agrees %s', (_what, args, protocol, cipher) => {
    const h = sClient(Number(s.webhook.port), args);
    figures[`s_client ${args.join(' ')}`] = { ok: h.ok, protocol: h.protocol, cipher: h.cipher };
    expect({ ok: h.ok, protocol: h.protocol, cipher: h.cipher }).toEqual({ ok: true, protocol, cipher });
  });

  it('prefers a forward-secret AEAD suite when a client lists a weak one first', () => {
    const h = sClient(Number(s.webhook.port), [
      '-tls1_2',
      '-cipher',
      'AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0',
    ]);
    expect(h.cipher).toBe('ECDHE-RSA-AES256-GCM-SHA384');
  });

  it('listens on exactly its three ports; plain HTTP to the webhook port gets no AdmissionReview', async () => {
    const ports = listeningPorts(s.proc.pid);
    figures['listening ports'] = ports;
    expect(ports).toEqual(
      [Number(s.webhook.port), Number(s.extender.port), Number(s.metrics.port)].sort((a, b) => a - b),
    );
    const plain = new KeepAliveClient(new URL(`http://127.0.0.1:${s.webhook.port}`), {
      sockets: 1,
      timeoutMs: 5_000,
    });
    const o = await plain.send({ path: '/mutate', body: reviewTemplate().replace('__UID__', 'plain') });
    plain.close();
    figures['plain HTTP to the webhook port'] = o.kind === 'reply' ? { status: o.status } : o;
    // Node's TLS server answers the stray bytes with a 400 of its own or hangs up; never a review.
    if (o.kind === 'reply') {
      expect(o.status).toBe(400);
      expect(o.text).not.toContain('AdmissionReview');
    } else expect(o.kind).toBe('network');
  });

  it('the extender port speaks plain HTTP by default (cluster-internal; see RELIABILITY.md)', async () => {
    const h = sClient(Number(s.extender.port), ['-tls1_2']);
    expect(h.ok).toBe(false);
    const client = new KeepAliveClient(s.extender, { sockets: 1, timeoutMs: 5_000 });
    const o = await client.send({ path: '/filter', body: '{"Pod":{},"NodeNames":["node-1"]}' });
    client.close();
    expect(o).toMatchObject({ kind: 'reply', status: 200 });
  });
});

describe('--extender-tls: the extender serves HTTPS with the webhook certificate', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serveOnLoopback(['--extender-tls'], { extenderTls: true });
  }, 120_000);
  afterAll(async () => {
    await s?.proc.kill();
  });

  it('answers /filter over HTTPS, with the same TLS floor, and not over plain HTTP', async () => {
    const client = new KeepAliveClient(s.extender, { ca: s.ca, sockets: 1, timeoutMs: 5_000 });
    const o = await client.send({ path: '/filter', body: '{"Pod":{},"NodeNames":["node-1","node-2"]}' });
    client.close();
    expect(o).toMatchObject({ kind: 'reply', status: 200 });
    if (o.kind === 'reply') expect(JSON.parse(o.text).NodeNames).toEqual(['node-1', 'node-2']);
    expect(sClient(Number(s.extender.port), ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']).serverAlert).toBe(
      'protocol version',
    );
    expect(sClient(Number(s.extender.port), ['-tls1_3'])).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
    const plain = new KeepAliveClient(new URL(`http://127.0.0.1:${s.extender.port}`), {
      sockets: 1,
      timeoutMs: 5_000,
    });
    const p = await plain.send({ path: '/filter', body: '{"Pod":{},"NodeNames":["node-1"]}' });
    plain.close();
    if (p.kind === 'reply') expect(p.text).not.toContain('NodeNames');
  });
});

describe('no secret in any log line', () => {
  it('a Portworx token and TLS keys never reach the log, through requests, failures, a reload and SIGTERM', async () => {
    const token = `kc-secret-${randomBytes(24).toString('hex')}`;
    const fake = await PortworxFake.start({ token: 'a-different-token' });
    const tokenDir = mkdtempSync(join(tmpdir(), 'kc-token-'));
    const tokenFile = join(tokenDir, 'auth-token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const s = await serveOnLoopback([
      '--log-level',
      'debug',
      '--placement',
      'portworx,node-labels',
      '--portworx-endpoint',
      fake.url,
      '--portworx-token-file',
      tokenFile,
      '--portworx-cache-ttl',
      '0',
    ]);
    try {
      const webhook = new KeepAliveClient(s.webhook, { ca: s.ca, sockets: 2, timeoutMs: 5_000 });
      const extender = new KeepAliveClient(s.extender, { sockets: 2, timeoutMs: 5_000 });
      const pod = {
        metadata: { name: 'orders-db-0', namespace: 'shop', uid: 'u-1' },
        spec: {
          volumes: [
            { name: 'data', persistentVolumeClaim: { claimName: 'orders-db' } },
            { name: 'catalog', persistentVolumeClaim: { claimName: 'catalog' } },
          ],
        },
      };
      const args = JSON.stringify({ Pod: pod, NodeNames: ['node-1', 'node-2', 'node-3', 'node-4'] });
      // Portworx refuses our token (403), then is gone (connection refused).
      for (const path of ['/filter', '/prioritize']) await extender.send({ path, body: args });
      const sentAuth = fake.requests.map((r) => r.authorization);
      await fake.close();
      await new Promise((r) => setTimeout(r, 50));
      for (const path of ['/filter', '/prioritize', '/filter']) await extender.send({ path, body: args });
      // Reviews, good and bad, one carrying the token in a header of its own.
      await webhook.send({ path: '/mutate', body: reviewTemplate().replace('__UID__', 'u-2') });
      await webhook.send({ path: '/mutate', body: `{"kind":"AdmissionReview","token":"${token}"}` });
      await webhook.send({ path: '/mutate', body: '{"apiVersion":' });
      // A key that does not match the certificate, then one that is not a key: both refused, logged.
      const other = await makeServingCert({
        ca: (await testTls()).ca,
        dnsNames: ['localhost'],
        ipAddresses: [],
        validDays: 1,
      });
      writeFileSync(`${s.keyFile}.new`, other.key);
      renameSync(`${s.keyFile}.new`, s.keyFile);
      await s.proc.waitFor(
        (l) => l.level >= 50 && /TLS files not loaded/.test(String(l.msg)),
        10_000,
        'the reload error',
      );
      writeFileSync(`${s.keyFile}.new`, `-----BEGIN PRIVATE KEY-----\n${token}\n-----END PRIVATE KEY-----\n`);
      renameSync(`${s.keyFile}.new`, s.keyFile);
      await new Promise((r) => setTimeout(r, 1_500));
      webhook.close();
      extender.close();
      process.kill(s.proc.pid, 'SIGTERM');
      await s.proc.exited;

      const keyLines = [(await testTls()).serving.key, other.key, (await testTls()).ca.key]
        .flatMap((pem) => pem.split('\n'))
        .filter((l) => l.length >= 20 && !l.startsWith('-----'));
      const log = s.proc.raw.join('\n');
      figures['log secrecy'] = {
        logLines: s.proc.raw.length,
        portworxRequests: sentAuth.length,
        warnings: s.proc.lines.filter((l) => l.level === 40).length,
        errors: s.proc.lines.filter((l) => l.level >= 50).length,
      };
      // The token was live: read from the file and sent to Portworx.
      expect(sentAuth.length).toBeGreaterThan(0);
      expect(sentAuth.every((a) => a?.toLowerCase() === `bearer ${token}`)).toBe(true);
      // The failures were logged (so there were lines to leak into) ...
      expect(log).toMatch(/Portworx/);
      expect(log).toMatch(/TLS files not loaded/);
      expect(log).toMatch(/malformed AdmissionReview/);
      // ... and neither the token nor any key material is in them.
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.slice(10, 40));
      for (const line of keyLines) expect(log).not.toContain(line);
      expect(log).not.toMatch(/PRIVATE KEY/);
    } finally {
      await s.proc.kill();
      await fake.close().catch(() => undefined);
    }
  }, 120_000);
});
