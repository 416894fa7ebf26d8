/**
 * Slow and idle clients against the real servers (startServers, in process, loopback): a body trickled
 * byte by byte, a request that never finishes, a TLS handshake that never starts or never finishes,
 * hundreds of idle connections. Each is cut by a timeout or merely waits, and a well-behaved client is
 * served normally all the while.
 *
 * The request timeout is shortened to 2 s here (production: 30 s, REQUEST_TIMEOUT_MS); the handshake
 * timeout is the production 10 s.
 */
import type { Socket } from 'node:net';
import { KeepAliveClient } from './support/client.js';
import { recordFigures } from './support/figures.js';
import { startInProcess, type InProcess } from './support/servers.js';
import { ending, openConnection, openTcp, trickle } from './support/sockets.js';

const REQUEST_TIMEOUT_MS = 2_000;
// Node sweeps for timed-out requests once a second (src/tls/server.ts): a cut lands in [timeout, timeout + 1 s].
const CUT_BY = REQUEST_TIMEOUT_MS + 1_000 + 500;

const goodReview = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'good',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    object: {
      metadata: { namespace: 'shop' },
      spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    },
  },
});
const goodArgs = JSON.stringify({ Pod: { metadata: { namespace: 'shop' } }, NodeNames: ['n1', 'n2'] });

interface Served {
  ok: number;
  failed: number;
  slowestMs: number;
}

/** A well-behaved client asking every 25 ms until `stop` resolves. */
async function wellBehaved(
  client: KeepAliveClient,
  path: string,
  body: string,
  stop: Promise<unknown>,
): Promise<Served> {
  let done = false;
  void stop.then(() => (done = true));
  const served: Served = { ok: 0, failed: 0, slowestMs: 0 };
  while (!done) {
    const t = Date.now();
    const o = await client.send({ path, body });
    served.slowestMs = Math.max(served.slowestMs, Date.now() - t);
    if (o.kind === 'reply' && o.status === 200) served.ok++;
    else served.failed++;
    await new Promise((r) => setTimeout(r, 25));
  }
  return served;
}

describe('slow, unfinished and idle clients', () => {
  let srv: InProcess;
  const clients: Record<string, { url: () => URL; client: KeepAliveClient; path: string; body: string }> = {};
  const figures: Record<string, unknown> = {};
  beforeAll(async () => {
    srv = await startInProcess({}, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
    clients.webhook = {
      url: () => srv.webhook,
      client: new KeepAliveClient(srv.webhook, { ca: srv.ca, sockets: 4, timeoutMs: 5_000 }),
      path: '/mutate',
      body: goodReview,
    };
    clients.extender = {
      url: () => srv.extender,
      client: new KeepAliveClient(srv.extender, { sockets: 4, timeoutMs: 5_000 }),
      path: '/filter',
      body: goodArgs,
    };
  });
  afterAll(async () => {
    for (const c of Object.values(clients)) c.client.close();
    await srv?.close();
    recordFigures('slow-clients', figures);
  });

  it.each(['webhook', 'extender'])(
    '%s: a body trickled a byte every 100 ms is cut at the request timeout; others are served meanwhile',
    async (name) => {
      const c = clients[name]!;
      const socket = await openConnection(c.url(), srv.ca);
      const since = Date.now();
      const end = ending(socket, since);
      socket.write(
        `POST ${c.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
      );
      const written = trickle(socket, c.body.padEnd(1000), 100);
      const served = await wellBehaved(c.client, c.path, c.body, end);
      const cut = await end;
      figures[`${name} trickle`] = { cutAfterMs: cut.ms, bytesWritten: await written, served };
      expect(cut.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(cut.ms).toBeLessThan(CUT_BY);
      expect(cut.received).toMatch(/^HTTP\/1\.1 408/);
      expect(served.failed).toBe(0);
      expect(served.ok).toBeGreaterThan(10);
      expect(served.slowestMs).toBeLessThan(1_000);
    },
    20_000,
  );

  it.each([
    ['webhook', 'headers never finished', 'POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: appl'],
    [
      'webhook',
      'body never sent',
      'POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a":',
    ],
    ['extender', 'headers never finished', 'POST /filter HTTP/1.1\r\nHost: x\r\n'],
    [
      'extender',
      'body never sent',
      'POST /filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n',
    ],
  ])(
    '%s: a request whose %s is cut at the request timeout',
    async (name, what, text) => {
      const c = clients[name]!;
      const socket = await openConnection(c.url(), srv.ca);
      const end = ending(socket);
      socket.write(text);
      const cut = await end;
      figures[`${name} ${what}`] = { cutAfterMs: cut.ms };
      expect(cut.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(cut.ms).toBeLessThan(CUT_BY);
    },
    20_000,
  );

  it('a TLS handshake never started, or stopped half way, is cut by the 10 s handshake timeout', async () => {
    const silent = await openTcp(srv.webhook);
    const half = await openTcp(srv.webhook);
    const since = Date.now();
    const ends = [ending(silent, since), ending(half, since)];
    // The first bytes of a TLS record (handshake, TLS 1.0 record version, length 512), then nothing.
    half.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    const served = await wellBehaved(clients.webhook!.client, '/mutate', goodReview, Promise.all(ends));
    const [a, b] = await Promise.all(ends);
    figures['handshake never finished'] = { cutAfterMs: [a!.ms, b!.ms], served };
    for (const e of [a!, b!]) {
      expect(e.ms).toBeGreaterThanOrEqual(9_500);
      expect(e.ms).toBeLessThan(12_000);
    }
    expect(served.failed).toBe(0);
  }, 30_000);

  it('500 idle connections (250 TLS-established, 250 bare TCP) do not stop a new client being served', async () => {
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 250; i++) idle.push(await openConnection(srv.webhook, srv.ca));
      for (let i = 0; i < 250; i++) idle.push(await openTcp(i % 2 ? srv.webhook : srv.extender));
      const fresh = new KeepAliveClient(srv.webhook, { ca: srv.ca, sockets: 1, timeoutMs: 5_000 });
      const t = Date.now();
      const o = await fresh.send({ path: '/mutate', body: goodReview });
      const ms = Date.now() - t;
      fresh.close();
      const extClient = new KeepAliveClient(srv.extender, { sockets: 1, timeoutMs: 5_000 });
      const ext = await extClient.send({ path: '/filter', body: goodArgs });
      extClient.close();
      figures['500 idle connections'] = {
        newClientMs: ms,
        stillOpen: idle.filter((s) => !s.destroyed).length,
      };
      expect(o).toMatchObject({ kind: 'reply', status: 200 });
      expect(ext).toMatchObject({ kind: 'reply', status: 200 });
      expect(ms).toBeLessThan(1_000);
    } finally {
      for (const s of idle) s.destroy();
    }
  }, 60_000);
});
