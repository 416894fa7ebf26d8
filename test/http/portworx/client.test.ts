import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeServingCert } from '../../../src/tls/certs.js';
import {
  PortworxAuthError,
  PortworxClient,
  PortworxResponseError,
  PortworxUnavailableError,
  TokenFile,
  type SdkCallResult,
  type SdkOp,
} from '../../../src/placement/portworx/index.js';
import { PortworxFake } from '../../fakes/portworx/fake.js';
import { freePort, testTls } from '../../support/http.js';

const SECRET = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig';

/** The client against the contract fake, over real HTTP on 127.0.0.1. */
describe('PortworxClient against the contract fake', () => {
  let fake: PortworxFake;
  let dir: string;
  const clients: PortworxClient[] = [];
  const client = (extra: Partial<ConstructorParameters<typeof PortworxClient>[0]> = {}) => {
    const c = new PortworxClient({ endpoint: fake.url, timeoutMs: 1000, ...extra });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kc-pxclient-'));
    fake = await PortworxFake.start({
      nodes: [
        {
          id: 'px-a',
          scheduler_node_name: 'worker-a',
          hostname: 'worker-a',
          mgmt_ip: '10.0.0.1',
          data_ip: '10.1.0.1',
          node_labels: { 'topology.portworx.io/zone': 'z1' },
          pools: [{ uuid: 'pool-1' }],
        },
        { id: 'px-b', hostname: 'worker-b', status: 'STATUS_STORAGE_DOWN' },
        { id: 'px-c', status: 'STATUS_NONE' },
      ],
      volumes: [
        {
          id: '1001',
          name: 'pvc-1',
          labels: { pvc: 'data', namespace: 'shop' },
          replicaSets: [['px-a', 'px-b']],
          sharedv4: true,
          sharedv4ServiceType: 'SHAREDV4_SERVICE_TYPE_CLUSTERIP',
        },
      ],
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enumerates nodes with the definition field names, zero values left out', async () => {
    const nodes = await client().enumerateNodes();
    expect(nodes).toEqual([
      {
        id: 'px-a',
        scheduler_node_name: 'worker-a',
        hostname: 'worker-a',
        mgmt_ip: '10.0.0.1',
        data_ip: '10.1.0.1',
        status: 'STATUS_OK',
        node_labels: { 'topology.portworx.io/zone': 'z1' },
        pools: [{ uuid: 'pool-1', labels: undefined }],
      },
      expect.objectContaining({ id: 'px-b', hostname: 'worker-b', status: 'STATUS_STORAGE_DOWN' }),
      expect.objectContaining({ id: 'px-c', status: undefined }),
    ]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/nodes/filters']);
  });

  it('inspects a volume: replica sets, labels, sharedv4 service spec', async () => {
    const answer = await client().inspectVolume('1001');
    expect(answer?.name).toBe('pvc-1');
    expect(answer?.labels).toEqual({ pvc: 'data', namespace: 'shop' });
    expect(answer?.volume?.replica_sets).toEqual([{ nodes: ['px-a', 'px-b'], pool_uuids: [] }]);
    expect(answer?.volume?.spec).toMatchObject({
      sharedv4: true,
      sharedv4_service_spec: { type: 'SHAREDV4_SERVICE_TYPE_CLUSTERIP' },
      ha_level: '2',
    });
    expect(fake.requests.at(-1)?.path).toBe('/v1/volumes/inspect/1001');
  });

  it('answers undefined for a volume or node Portworx does not know (404)', async () => {
    const c = client();
    expect(await c.inspectVolume('nope')).toBeUndefined();
    expect(await c.inspectNode('nope')).toBeUndefined();
    expect((await c.inspectNode('px-b'))?.status).toBe('STATUS_STORAGE_DOWN');
  });

  it('escapes ids in the path', async () => {
    await client().inspectVolume('a/b c');
    expect(fake.requests.at(-1)?.path).toBe('/v1/volumes/inspect/a%2Fb%20c');
  });

  describe('bearer token', () => {
    beforeEach(() => {
      fake.token = SECRET;
    });

    it('sends `Authorization: bearer <token>` from the token file', async () => {
      writeFileSync(join(dir, 'auth-token'), `${SECRET}\n`);
      const nodes = await client({ token: new TokenFile(join(dir, 'auth-token')) }).enumerateNodes();
      expect(nodes).toHaveLength(3);
      expect(fake.requests[0]?.authorization).toBe(`bearer ${SECRET}`);
    });

    it('says the token was rejected (403), without printing it', async () => {
      writeFileSync(join(dir, 'auth-token'), 'wrong-token');
      const err = await client({ token: new TokenFile(join(dir, 'auth-token')) })
        .inspectVolume('1001')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortworxAuthError);
      expect((err as PortworxAuthError).result).toBe('token-rejected');
      expect((err as Error).message).toMatch(
        /^Portworx rejected the token \(HTTP 403 on volume inspect\): Access denied/,
      );
      expect((err as Error).message).not.toContain('wrong-token');
    });

    it('says a token is needed when none is configured (401)', async () => {
      const err = await client()
        .enumerateNodes()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortworxAuthError);
      expect((err as Error).message).toMatch(/requires a token and none is configured .*HTTP 401/);
    });

    it('picks up a rotated token after a rejection', async () => {
      const path = join(dir, 'auth-token');
      writeFileSync(path, 'old-token');
      const c = client({ token: new TokenFile(path, { checkIntervalMs: 60_000 }) });
      await expect(c.enumerateNodes()).rejects.toThrow(PortworxAuthError);
      writeFileSync(join(dir, 'next'), SECRET);
      renameSync(join(dir, 'next'), path);
      // Within the check interval, yet the rejection made the client look again.
      expect(await c.enumerateNodes()).toHaveLength(3);
      expect(fake.requests.map((r) => r.authorization)).toEqual(['bearer old-token', `bearer ${SECRET}`]);
    });
  });

  it('gives up after its timeout when Portworx is slow', async () => {
    fake.delay(2000, 'volume-inspect');
    const started = Date.now();
    const err = await client({ timeoutMs: 150 })
      .inspectVolume('1001')
      .catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(PortworxUnavailableError);
    expect((err as PortworxUnavailableError).result).toBe('timeout');
    expect((err as Error).message).toBe(
      `Portworx SDK gateway ${fake.url} did not answer volume inspect within 150 ms`,
    );
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1500);
  });

  it.each<[number, string, SdkCallResult]>([
    [
      503,
      'Portworx SDK gateway .* failed node enumerate: HTTP 503 fake: scripted failure 503',
      'server-error',
    ],
    [500, 'failed node enumerate: HTTP 500', 'server-error'],
  ])('reports HTTP %i as unavailable', async (status, message, result) => {
    fake.fail(status, { op: 'node-enumerate' });
    const err = await client()
      .enumerateNodes()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortworxUnavailableError);
    expect((err as PortworxUnavailableError).result).toBe(result);
    expect((err as Error).message).toMatch(new RegExp(message));
  });

  it('reports an answer that is not JSON as a bad response', async () => {
    fake.fail(200, { op: 'volume-inspect', body: '<html>proxy error</html>' });
    const err = await client()
      .inspectVolume('1001')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortworxResponseError);
    expect((err as Error).message).toMatch(/answered volume inspect unexpectedly: the body is not JSON/);
  });

  it('reports an unreachable gateway', async () => {
    const port = await freePort();
    const c = new PortworxClient({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 1000 });
    clients.push(c);
    const err = await c.enumerateNodes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortworxUnavailableError);
    expect((err as Error).message).toBe(
      `Portworx SDK gateway http://127.0.0.1:${port} is unreachable (node enumerate): ECONNREFUSED`,
    );
  });

  it('tells `observe` about every call', async () => {
    const seen: [SdkOp, SdkCallResult][] = [];
    const c = client({
      observe: (op, result, seconds) => (expect(seconds).toBeGreaterThanOrEqual(0), seen.push([op, result])),
    });
    await c.enumerateNodes();
    await c.inspectVolume('missing');
    fake.fail(503, { times: 1 });
    await c.inspectNode('px-a').catch(() => undefined);
    expect(seen).toEqual([
      ['node-enumerate', 'ok'],
      ['volume-inspect', 'not-found'],
      ['node-inspect', 'server-error'],
    ]);
  });
});

describe('PortworxClient over TLS', () => {
  let fake: PortworxFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('trusts the gateway through the configured CA, and only through it', async () => {
    const { ca, serving } = await testTls();
    fake = await PortworxFake.start({ tls: serving, nodes: [{ id: 'px-a' }] });
    const trusted = new PortworxClient({ endpoint: fake.url, timeoutMs: 2000, tls: { ca: ca.cert } });
    expect(await trusted.enumerateNodes()).toHaveLength(1);
    trusted.close();
    const untrusting = new PortworxClient({ endpoint: fake.url, timeoutMs: 2000 });
    await expect(untrusting.enumerateNodes()).rejects.toThrow(
      /is unreachable \(node enumerate\): .*(CERT|SIGNATURE|SELF_SIGNED)/,
    );
    untrusting.close();
  });

  it('presents a client certificate when the gateway asks for one', async () => {
    const { ca, serving } = await testTls();
    const clientCert = await makeServingCert({
      ca,
      dnsNames: ['kube-converge'],
      ipAddresses: [],
      clientAuth: true,
      validDays: 2,
    });
    fake = await PortworxFake.start({
      tls: { ...serving, ca: ca.cert, requireClientCert: true },
      nodes: [{ id: 'px-a' }],
    });
    const withCert = new PortworxClient({
      endpoint: fake.url,
      timeoutMs: 2000,
      tls: { ca: ca.cert, cert: clientCert.cert, key: clientCert.key },
    });
    expect(await withCert.enumerateNodes()).toHaveLength(1);
    withCert.close();
    const without = new PortworxClient({ endpoint: fake.url, timeoutMs: 2000, tls: { ca: ca.cert } });
    await expect(without.enumerateNodes()).rejects.toThrow(PortworxUnavailableError);
    without.close();
  });
});
