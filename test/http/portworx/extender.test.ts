/**
 * The extender's answers when Portworx says where the data lives: createExtenderApp served over
 * real HTTP, its `portworx` placement source talking real HTTP to the Portworx contract fake
 * (test/fakes/portworx — built from the published API definition; not Portworx). The cluster is
 * described in scenario.ts. Scores are raw (Stork's numbers) so each row of scoring.md's table shows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExtenderApp } from '../../../src/extender/app.js';
import type { EventRecorder } from '../../../src/extender/events.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { placementSources } from '../../../src/placement/configured.js';
import type { PlacementSource } from '../../../src/placement/index.js';
import type { ScoreScale } from '../../../src/scoring/index.js';
import { PortworxFake } from '../../fakes/portworx/fake.js';
import { postJson } from '../../support/http.js';
import { ALL, DRIVER, kubernetes, podUsing, portworxNodes, portworxVolumes } from './scenario.js';

const noEvents: EventRecorder = { record: () => undefined };

interface Extender {
  base: string;
  metrics: Metrics;
  close(): Promise<void>;
}

async function serveExtender(
  sources: PlacementSource[],
  metrics: Metrics,
  scale: ScoreScale = 'raw',
): Promise<Extender> {
  const app = createExtenderApp({
    view: kubernetes(),
    provisioners: new Set([DRIVER]),
    sources,
    scale,
    logger: silentLogger(),
    metrics,
    events: noEvents,
    maxBodyBytes: 1024 * 1024,
    readiness: {},
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    metrics,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function prioritize(ext: Extender, claims: string[]): Promise<Record<string, number>> {
  const res = await postJson(`${ext.base}/prioritize`, { Pod: podUsing(claims), NodeNames: ALL });
  expect(res.status).toBe(200);
  return Object.fromEntries((res.json() as { Host: string; Score: number }[]).map((p) => [p.Host, p.Score]));
}

async function filter(ext: Extender, claims: string[]) {
  const res = await postJson(`${ext.base}/filter`, { Pod: podUsing(claims), NodeNames: ALL });
  expect(res.status).toBe(200);
  return res.json() as {
    NodeNames: string[] | null;
    FailedNodes: Record<string, string>;
    FailedAndUnresolvableNodes: Record<string, string>;
    Error: string;
  };
}

describe('the extender with Portworx as the placement source', () => {
  let fake: PortworxFake;
  let ext: Extender;

  beforeEach(async () => {
    fake = await PortworxFake.start({ nodes: portworxNodes(), volumes: portworxVolumes() });
    const metrics = new Metrics();
    // Cache age 0: status changes made by a test show on the next call.
    const sources = placementSources(
      { placement: ['portworx', 'node-labels'], portworxEndpoint: fake.url, portworxCacheTtl: 0 },
      { metrics },
    );
    ext = await serveExtender(sources, metrics);
  });
  afterEach(async () => {
    await ext.close();
    await fake.close();
  });

  it('scores replicas, racks, zones and regions from Portworx', async () => {
    // data: replicas px-1 (n1, zone a rack 1, from Portworx labels) and px-4 (n4, zone b rack 3).
    expect(await prioritize(ext, ['data'])).toEqual({
      n1: 100, // replica
      n2: 50, // same rack as n1 (region r1, zone a, rack 1)
      n3: 25, // same zone as n1, another rack
      n4: 100, // replica
      n5: 25, // same zone as n4
      n6: 5, // another region: a driver node with no locality
    });
    // Portworx answered: the node-labels source (which puts data on n5) was not needed.
    expect(fake.calls('volume-inspect')).toBe(1);
    expect(fake.calls('node-enumerate')).toBe(1);
    expect(await ext.metrics.placementFallbacks.get()).toMatchObject({ values: [] });
  });

  it('ties Portworx nodes to Kubernetes nodes by hostname and by IP', async () => {
    // logs: replicas px-2 (hostname of n2, other case) and px-3 (mgmt_ip of n3).
    const scores = await prioritize(ext, ['logs']);
    expect(scores).toMatchObject({ n2: 100, n3: 100 });
    expect(scores.n1).toBe(50); // rack 1 with n2
  });

  it('sums over volumes', async () => {
    expect(await prioritize(ext, ['data', 'logs'])).toEqual({
      n1: 150, // replica of data + rack of logs
      n2: 150, // replica of logs + rack of data
      n3: 125, // replica of logs + zone of data
      n4: 110, // replica of data + region of logs
      n5: 35, // zone of data + region of logs
      n6: 5,
    });
  });

  it('halves a storage-down replica node and drops an offline one, as Portworx reports at run time', async () => {
    fake.setNodeStatus('px-1', 'STATUS_STORAGE_DOWN');
    expect(await prioritize(ext, ['data'])).toMatchObject({ n1: 25, n2: 50, n4: 100 });

    expect((await filter(ext, ['data'])).NodeNames).toEqual(ALL);

    fake.setNodeStatus('px-1', 'STATUS_OK');
    fake.setNodeStatus('px-4', 'STATUS_OFFLINE');
    const scores = await prioritize(ext, ['data']);
    // An offline replica gives no locality: n5 keeps only the region it shares with n1.
    expect(scores).toMatchObject({ n1: 100, n4: 0, n5: 10 });
    const filtered = await filter(ext, ['data']);
    expect(filtered.NodeNames).toEqual(['n1', 'n2', 'n3', 'n5', 'n6']);
    expect(filtered.FailedAndUnresolvableNodes).toEqual({ n4: 'storage offline' });
  });

  it('fails every node when no replica is on an online node', async () => {
    fake.setNodeStatus('px-1', 'STATUS_STORAGE_DOWN');
    fake.setNodeStatus('px-4', 'STATUS_MAINTENANCE');
    const filtered = await filter(ext, ['data']);
    expect(filtered.NodeNames).toEqual([]);
    expect(filtered.FailedAndUnresolvableNodes).toEqual(
      Object.fromEntries(ALL.map((n) => [n, 'no online node holds a replica of volume data'])),
    );
  });

  it('keeps pods of a sharedv4 service volume away from its replicas, though its class does not say so', async () => {
    expect(await prioritize(ext, ['shared'])).toEqual({ n1: 5, n2: 5, n3: 100, n4: 100, n5: 100, n6: 100 });
    expect((await filter(ext, ['shared'])).NodeNames).toEqual(ALL);
  });

  it('fails the replica nodes of a sharedv4 service volume whose class says preferRemoteNodeOnly', async () => {
    const filtered = await filter(ext, ['strict']);
    expect(filtered.NodeNames).toEqual(['n3', 'n4', 'n5', 'n6']);
    expect(Object.keys(filtered.FailedAndUnresolvableNodes)).toEqual(['n1', 'n2']);
    expect(filtered.FailedAndUnresolvableNodes.n1).toMatch(/replica of strict.*preferRemoteNodeOnly/);
  });

  it('treats a plain sharedv4 volume (no service) as hyperconverged', async () => {
    expect(await prioritize(ext, ['plain'])).toMatchObject({ n1: 100, n2: 100, n3: 25 });
  });

  it('answers on the linear 0-10 scale too', async () => {
    await ext.close();
    const metrics = new Metrics();
    ext = await serveExtender(
      placementSources({ placement: ['portworx'], portworxEndpoint: fake.url }, { metrics }),
      metrics,
      'linear',
    );
    const scores = await prioritize(ext, ['data']);
    expect(scores.n1).toBe(10);
    expect(scores.n4).toBe(10);
    expect(scores.n6).toBe(1);
    expect(scores.n2).toBeGreaterThan(scores.n3!);
  });
});
