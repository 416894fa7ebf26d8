/**
 * When Portworx cannot answer — token rejected, too slow, down — the extender falls back to the
 * topology Kubernetes shows (the next configured sources) and says so in a metric and one log line;
 * and when it can, its answers are cached with a bounded age and shared between concurrent asks.
 * Real HTTP to the Portworx contract fake (built from the published API definition; not Portworx).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExtenderApp } from '../../../src/extender/app.js';
import { evaluatePod } from '../../../src/extender/evaluate.js';
import type { Logger } from '../../../src/observability/logger.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { placementSources } from '../../../src/placement/configured.js';
import type { PlacementSource } from '../../../src/placement/index.js';
import { PortworxClient, PortworxSource } from '../../../src/placement/portworx/index.js';
import { PortworxFake } from '../../fakes/portworx/fake.js';
import { freePort, postJson } from '../../support/http.js';
import type { StaticView } from '../../support/static-view.js';
import { ALL, DRIVER, LATE_NODE, kubernetes, podUsing, portworxNodes, portworxVolumes } from './scenario.js';

const TOKEN = 'px-user-token-value';

function captureLogger() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  const logger = {
    warn: at('warn'),
    info: at('info'),
    error: at('error'),
    debug: at('debug'),
  } as unknown as Logger;
  return { lines, logger };
}

function evaluate(view: StaticView, sources: readonly PlacementSource[], claims: string[], name?: string) {
  return evaluatePod(podUsing(claims, name), ALL, {
    view,
    provisioners: new Set([DRIVER]),
    sources,
    scale: 'raw',
  });
}

const rawScores = (e: Awaited<ReturnType<typeof evaluate>>) =>
  Object.fromEntries(e.scores.priorities.map((p) => [p.node, p.raw]));

async function counter(metrics: Metrics, name: 'placementFallbacks' | 'portworxRequests') {
  const { values } = await metrics[name].get();
  return Object.fromEntries(values.map((v) => [Object.values(v.labels).join('/'), v.value]));
}

describe('falling back to topology from Kubernetes', () => {
  let fake: PortworxFake;
  let dir: string;
  let view: StaticView;
  beforeEach(async () => {
    fake = await PortworxFake.start({ nodes: portworxNodes(), volumes: portworxVolumes(), token: TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'kc-pxfallback-'));
    writeFileSync(join(dir, 'auth-token'), `${TOKEN}\n`);
    view = kubernetes();
  });
  afterEach(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sources = (extra: Record<string, unknown> = {}, deps: Parameters<typeof placementSources>[1] = {}) =>
    placementSources(
      {
        placement: ['portworx', 'node-labels', 'pv-node-affinity'],
        portworxEndpoint: fake.url,
        portworxTokenFile: join(dir, 'auth-token'),
        portworxCacheTtl: 0,
        ...extra,
      },
      deps,
    );

  it('Portworx answers with the right token', async () => {
    const metrics = new Metrics();
    const e = await evaluate(view, sources({}, { metrics }), ['data']);
    expect(e.problems).toEqual([]);
    expect(e.placements.get('v0')?.source).toBe('portworx');
    expect(rawScores(e)).toMatchObject({ n1: 100, n4: 100, n5: 25 });
    expect(await counter(metrics, 'portworxRequests')).toEqual({
      'node-enumerate/ok': 1,
      'volume-inspect/ok': 1,
    });
    expect(fake.requests.every((r) => r.authorization === `bearer ${TOKEN}`)).toBe(true);
  });

  it('a rejected token: node labels answer, the problem says the token was rejected', async () => {
    writeFileSync(join(dir, 'auth-token'), 'revoked-token');
    const metrics = new Metrics();
    const { lines, logger } = captureLogger();
    const e = await evaluate(view, sources({}, { metrics, logger }), ['data']);
    expect(e.problems).toEqual([
      {
        source: 'portworx',
        message: expect.stringMatching(/^Portworx rejected the token \(HTTP 403/) as string,
      },
    ]);
    expect(e.problems[0]!.message).not.toContain('revoked-token');
    expect(e.placements.get('v0')?.source).toBe('node-labels');
    // n5 is labelled pv-data=true; n4 shares its zone (another rack)
    expect(rawScores(e)).toMatchObject({ n5: 100, n4: 25 });
    expect(await counter(metrics, 'placementFallbacks')).toEqual({ portworx: 1 });
    expect(await counter(metrics, 'portworxRequests')).toMatchObject({ 'node-enumerate/token-rejected': 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { source: 'portworx' } });
    expect(JSON.stringify(lines)).not.toContain('revoked-token');
  });

  it('Portworx slow: the call is abandoned at the timeout and pv-node-affinity answers', async () => {
    fake.delay(3000);
    // data's PV gets node affinity to n3 (a local-style volume), and node-labels is not configured.
    const pvData = view.pv('pv-data')!;
    view.upsert({
      kind: 'PersistentVolume',
      obj: {
        ...pvData,
        nodeAffinity: [
          {
            matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n3'] }],
            matchFields: [],
          },
        ],
      },
    });
    const started = Date.now();
    const e = await evaluate(
      view,
      placementSources({
        placement: ['portworx', 'pv-node-affinity'],
        portworxEndpoint: fake.url,
        portworxTokenFile: join(dir, 'auth-token'),
        portworxTimeout: 200,
      }),
      ['data'],
    );
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1500);
    expect(e.problems[0]?.message).toMatch(/did not answer (node enumerate|volume inspect) within 200 ms/);
    expect(e.placements.get('v0')?.source).toBe('pv-node-affinity');
    expect(rawScores(e)).toMatchObject({ n3: 100, n2: 25 });
  });

  it('Portworx down: each call falls back and is counted, one log line says so, recovery is logged', async () => {
    const metrics = new Metrics();
    const { lines, logger } = captureLogger();
    const srcs = sources({}, { metrics, logger });
    fake.fail(503);
    for (const name of ['a', 'b', 'c']) {
      const e = await evaluate(view, srcs, ['data'], name);
      expect(e.problems[0]?.message).toMatch(/failed (node enumerate|volume inspect): HTTP 503/);
      expect(e.placements.get('v0')?.source).toBe('node-labels');
    }
    expect(await counter(metrics, 'placementFallbacks')).toEqual({ portworx: 3 });
    expect(lines.map((l) => l.msg)).toEqual([
      'Portworx unavailable: placement falls back to the next source (topology from Kubernetes)',
    ]);
    fake.heal();
    const e = await evaluate(view, srcs, ['data']);
    expect(e.placements.get('v0')?.source).toBe('portworx');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(lines[1]?.msg).toBe('Portworx answers again');
  });

  it('Portworx unreachable: the extender answers filter and prioritize from node labels', async () => {
    const port = await freePort(); // nothing listens there
    const metrics = new Metrics();
    const app = createExtenderApp({
      view,
      provisioners: new Set([DRIVER]),
      sources: placementSources(
        { placement: ['portworx', 'node-labels'], portworxEndpoint: `http://127.0.0.1:${port}` },
        { metrics },
      ),
      scale: 'raw',
      logger: silentLogger(),
      metrics,
      events: { record: () => undefined },
      maxBodyBytes: 1024 * 1024,
      readiness: {},
    });
    const server: Server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const filtered = (await postJson(`${base}/filter`, { Pod: podUsing(['data']), NodeNames: ALL })).json();
      expect(filtered).toMatchObject({ NodeNames: ALL, FailedAndUnresolvableNodes: {}, Error: '' });
      const res = await postJson(`${base}/prioritize`, { Pod: podUsing(['data']), NodeNames: ALL });
      const scores = Object.fromEntries(
        res.json().map((p: { Host: string; Score: number }) => [p.Host, p.Score]),
      );
      expect(scores).toMatchObject({ n5: 100, n4: 25, n1: 5 });
      expect(await counter(metrics, 'placementFallbacks')).toEqual({ portworx: 2 });
      expect(await counter(metrics, 'portworxRequests')).toMatchObject({ 'node-enumerate/unreachable': 2 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a volume Portworx does not know is left to the next source, without a fallback', async () => {
    fake.removeVolume('vol-data');
    const metrics = new Metrics();
    const e = await evaluate(view, sources({}, { metrics }), ['data']);
    expect(e.problems).toEqual([]);
    expect(e.placements.get('v0')?.source).toBe('node-labels');
    expect(await counter(metrics, 'placementFallbacks')).toEqual({});
  });
});

describe('caching Portworx answers', () => {
  let fake: PortworxFake;
  let client: PortworxClient;
  let now: number;
  let source: PortworxSource;
  const view = kubernetes();
  beforeEach(async () => {
    fake = await PortworxFake.start({ nodes: portworxNodes(), volumes: portworxVolumes() });
    client = new PortworxClient({ endpoint: fake.url, timeoutMs: 2000 });
    now = 1_000_000;
    source = new PortworxSource({ api: client, cacheTtlMs: 5000, now: () => now });
  });
  afterEach(async () => {
    client.close();
    await fake.close();
  });

  it('a second ask within the age makes no HTTP call; after it, Portworx is asked again', async () => {
    await evaluate(view, [source], ['data']);
    expect(fake.calls()).toBe(2);
    now += 4999;
    const cached = await evaluate(view, [source], ['data']);
    expect(fake.calls()).toBe(2);
    expect(rawScores(cached)).toMatchObject({ n1: 100, n4: 100 });
    // A status change within the age is not seen yet ...
    fake.setNodeStatus('px-1', 'STATUS_OFFLINE');
    expect(rawScores(await evaluate(view, [source], ['data']))).toMatchObject({ n1: 100 });
    // ... and is after it.
    now += 1;
    expect(rawScores(await evaluate(view, [source], ['data']))).toMatchObject({ n1: 0, n4: 100 });
    expect(fake.calls('node-enumerate')).toBe(2);
    expect(fake.calls('volume-inspect')).toBe(2);
  });

  it('concurrent asks for the same volume share one call (single-flight)', async () => {
    fake.delay(100);
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((name) => evaluate(view, [source], ['data', 'logs'], name)),
    );
    for (const e of results) expect(rawScores(e)).toMatchObject({ n1: 150, n2: 150 });
    expect(fake.calls('node-enumerate')).toBe(1);
    expect(fake.calls('volume-inspect')).toBe(2); // one per distinct volume
    expect(
      fake.requests
        .filter((r) => r.op === 'volume-inspect')
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/v1/volumes/inspect/vol-data', '/v1/volumes/inspect/vol-logs']);
  });

  it('a failure is not cached: the next ask tries again', async () => {
    fake.fail(503, { op: 'volume-inspect', times: 1 });
    await expect(source.locate((await evaluate(view, [], ['data'])).volumes, view)).rejects.toThrow(
      /HTTP 503/,
    );
    const e = await evaluate(view, [source], ['data']);
    expect(e.problems).toEqual([]);
    expect(fake.calls('volume-inspect')).toBe(2);
  });

  it('a replica on a node that joined after the node list was read is found by node inspect', async () => {
    await evaluate(view, [source], ['data']); // caches the node list, without px-7
    fake.upsertNode(LATE_NODE);
    const e = await evaluate(view, [source], ['fresh']);
    expect(fake.calls('node-enumerate')).toBe(1);
    expect(fake.requests.filter((r) => r.op === 'node-inspect').map((r) => r.path)).toEqual([
      '/v1/nodes/inspect/px-7',
    ]);
    expect(rawScores(e)).toMatchObject({ n6: 100 });
  });
});
