import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, buildConfig } from '../../../../src/config/config.js';
import { placementSources } from '../../../../src/placement/configured.js';
import { PortworxAuthError, PortworxSource, TokenFile } from '../../../../src/placement/portworx/index.js';

describe('TokenFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kc-pxtoken-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the token without surrounding whitespace', async () => {
    writeFileSync(join(dir, 'auth-token'), '  tok-1\n');
    expect(await new TokenFile(join(dir, 'auth-token')).get()).toBe('tok-1');
  });

  it('re-reads the file when a Secret update swaps it', async () => {
    const path = join(dir, 'auth-token');
    writeFileSync(path, 'tok-1');
    const token = new TokenFile(path, { checkIntervalMs: 0 });
    expect(await token.get()).toBe('tok-1');
    // The kubelet writes a new file and renames it into place.
    writeFileSync(join(dir, 'next'), 'tok-2');
    renameSync(join(dir, 'next'), path);
    expect(await token.get()).toBe('tok-2');
  });

  it('looks at the file at most once per interval, unless invalidated', async () => {
    let now = 0;
    const path = join(dir, 'auth-token');
    writeFileSync(path, 'tok-1');
    const token = new TokenFile(path, { checkIntervalMs: 1000, now: () => now });
    expect(await token.get()).toBe('tok-1');
    writeFileSync(join(dir, 'next'), 'tok-two');
    renameSync(join(dir, 'next'), path);
    now = 500;
    expect(await token.get()).toBe('tok-1');
    token.invalidate();
    expect(await token.get()).toBe('tok-two');
  });

  it.each([
    ['missing', undefined, /cannot read the Portworx token file .*auth-token: ENOENT/],
    ['empty', '\n', /the Portworx token file .*auth-token is empty/],
  ])('a %s file is an authentication failure', async (_name, content, message) => {
    const path = join(dir, 'auth-token');
    if (content !== undefined) writeFileSync(path, content);
    const err = await new TokenFile(path).get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortworxAuthError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('Portworx settings', () => {
  const build = (flags: Record<string, unknown>, env: Record<string, string> = {}) =>
    buildConfig({ flags, env });

  it('defaults: a short timeout and a few seconds of cache', () => {
    const config = build({});
    expect(config.portworxTimeout).toBe(1000);
    expect(config.portworxCacheTtl).toBe(5000);
    expect(config.portworxEndpoint).toBeUndefined();
  });

  it('reads flags, environment and file keys', () => {
    const config = buildConfig({
      flags: { portworxTimeout: '250' },
      env: { KUBE_CONVERGE_PORTWORX_ENDPOINT: 'https://px:9021', KUBE_CONVERGE_PORTWORX_CACHE_TTL: '0' },
      file: { portworxTokenFile: '/var/run/secrets/px/auth-token', placement: ['portworx', 'node-labels'] },
    });
    expect(config).toMatchObject({
      portworxTimeout: 250,
      portworxEndpoint: 'https://px:9021',
      portworxCacheTtl: 0,
      portworxTokenFile: '/var/run/secrets/px/auth-token',
      placement: ['portworx', 'node-labels'],
    });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'portworx listed without an endpoint',
      { placement: ['portworx'] },
      /--portworx-endpoint \/ KUBE_CONVERGE_PORTWORX_ENDPOINT \/ config key "portworxEndpoint".*endpoint is needed/,
    ],
    [
      'a non-URL endpoint',
      { portworxEndpoint: 'px:9021:x' },
      /portworxEndpoint.*want an http:\/\/ or https:\/\/ URL/,
    ],
    ['a gRPC endpoint', { portworxEndpoint: 'grpc://px:9020' }, /want an http:\/\/ or https:\/\/ URL/],
    [
      'a CA file with http',
      { portworxEndpoint: 'http://px:9021', portworxCaFile: '/ca.pem' },
      /TLS files .* need an https:\/\/ endpoint/,
    ],
    [
      'a client certificate without its key',
      { portworxEndpoint: 'https://px:9021', portworxClientCertFile: '/c.pem' },
      /--portworx-client-cert-file \/ KUBE_CONVERGE_PORTWORX_CLIENT_CERT_FILE.*portworx-client-key-file/,
    ],
    ['a timeout below 50 ms', { portworxTimeout: '10' }, /portworx-timeout.*at least 50/],
  ])('rejects %s, naming flag, env and key', (_name, flags, message) => {
    expect(() => build(flags)).toThrow(ConfigError);
    expect(() => build(flags)).toThrow(message);
  });

  it('builds the portworx source in the configured order', () => {
    const config = build({
      placement: ['portworx', 'pv-node-affinity'],
      portworxEndpoint: 'http://127.0.0.1:9',
    });
    const sources = placementSources(config);
    expect(sources.map((s) => s.name)).toEqual(['portworx', 'pv-node-affinity']);
    expect(sources[0]).toBeInstanceOf(PortworxSource);
  });

  it('names an unreadable CA file', () => {
    const config = build({
      placement: ['portworx'],
      portworxEndpoint: 'https://127.0.0.1:9',
      portworxCaFile: '/nonexistent/ca.pem',
    });
    expect(() => placementSources(config)).toThrow(
      /cannot read --portworx-ca-file \/nonexistent\/ca.pem: ENOENT/,
    );
  });
});
