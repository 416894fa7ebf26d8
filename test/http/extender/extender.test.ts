/**
 * The scheduler extender over real HTTP, in process: createExtenderApp over a StaticView of a small
 * cluster, served by node:http on a free port, asked the way kube-scheduler asks (extender v1 wire
 * format, PascalCase keys, both the NodeNames and the full Nodes request shape).
 *
 * The cluster: storage driver pxd.portworx.com on n1–n4 (CSINode), not on n5. Volume `data`
 * (PV pv-data) has replicas on n1 and n3 (`pv-data=true` node labels). Racks: n1, n2 in r1 and n3 in
 * r2 (zone z1); n4 in r3, zone z2.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SlimObject } from '../../../src/cluster/store.js';
import { createExtenderApp, type ExtenderDeps } from '../../../src/extender/app.js';
import type { EventRecorder, PodEvent } from '../../../src/extender/events.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { nodeLabelsSource } from '../../../src/placement/index.js';
import type { ScoreScale } from '../../../src/scoring/index.js';
import { node, ns, pv, pvc, sc, store } from '../../support/cluster.js';
import { postJson, send } from '../../support/http.js';
import { StaticView } from '../../support/static-view.js';

const DRIVER = 'pxd.portworx.com';
const MAX_BODY = 64 * 1024;

const csiNode = (name: string, drivers: string[]): SlimObject => ({
  kind: 'CSINode',
  obj: { name, drivers },
});
const topo = (rack: string, zone: string) => ({
  'kube-converge.io/rack': rack,
  'topology.kubernetes.io/zone': zone,
});
const labelled = (name: string, labels: Record<string, string>): SlimObject =>
  node(name, { labels: { 'kubernetes.io/hostname': name, ...labels } });

function cluster(): StaticView {
  return StaticView.over(
    store(
      ns('shop'),
      sc('px', DRIVER),
      sc('px-wffc', DRIVER, { volumeBindingMode: 'WaitForFirstConsumer' }),
      labelled('n1', { ...topo('r1', 'z1'), 'pv-data': 'true' }),
      labelled('n2', topo('r1', 'z1')),
      labelled('n3', { ...topo('r2', 'z1'), 'pv-data': 'true' }),
      labelled('n4', topo('r3', 'z2')),
      labelled('n5', topo('r3', 'z2')),
      csiNode('n1', [DRIVER]),
      csiNode('n2', [DRIVER]),
      csiNode('n3', [DRIVER]),
      csiNode('n4', [DRIVER]),
      csiNode('n5', ['ebs.csi.aws.com']),
      pvc('shop', 'data', { storageClassName: 'px', volumeName: 'pv-data', phase: 'Bound' }),
      pv('pv-data', { csiDriver: DRIVER, storageClassName: 'px' }),
      pvc('shop', 'waiting', { storageClassName: 'px' }),
      pvc('shop', 'later', { storageClassName: 'px-wffc' }),
    ),
  );
}

const pod = (claims: string[], annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db-0', namespace: 'shop', uid: 'uid-db-0', annotations },
  spec: {
    schedulerName: 'kube-converge',
    containers: [{ name: 'c', image: 'busybox' }],
    volumes: claims.map((claimName, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName } })),
  },
});

/** A full v1.Node as kube-scheduler sends it when nodeCacheCapable is false. */
const wireNode = (name: string) => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name }, resourceVersion: '42' },
  spec: { podCIDR: '10.0.0.0/24' },
  status: {
    addresses: [{ type: 'Hostname', address: name }],
    conditions: [{ type: 'Ready', status: 'True' }],
    capacity: { cpu: '4', memory: '16Gi' },
  },
});

class RecordingRecorder implements EventRecorder {
  readonly events: PodEvent[] = [];
  record(event: PodEvent): void {
    this.events.push(event);
  }
}

interface Running {
  base: string;
  metrics: Metrics;
  events: RecordingRecorder;
  close(): Promise<void>;
}

async function serveExtender(scale: ScoreScale, over: Partial<ExtenderDeps> = {}): Promise<Running> {
  const metrics = new Metrics();
  const events = new RecordingRecorder();
  const app = createExtenderApp({
    view: cluster(),
    provisioners: new Set([DRIVER]),
    sources: [nodeLabelsSource()],
    scale,
    logger: silentLogger(),
    metrics,
    events,
    maxBodyBytes: MAX_BODY,
    readiness: {},
    ...over,
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    metrics,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ALL = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('the extender over HTTP: linear scale', () => {
  let ext: Running;
  beforeAll(async () => {
    ext = await serveExtender('linear');
  });
  afterAll(() => ext.close());

  describe('POST /filter', () => {
    it('NodeNames in, NodeNames out: the non-driver node fails, in FailedAndUnresolvableNodes', async () => {
      const res = await postJson(`${ext.base}/filter`, { Pod: pod(['data']), NodeNames: ALL, Nodes: null });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual([
        'Error',
        'FailedAndUnresolvableNodes',
        'FailedNodes',
        'NodeNames',
        'Nodes',
      ]);
      expect(body.NodeNames).toEqual(['n1', 'n2', 'n3', 'n4']);
      expect(body.Nodes).toBeNull();
      expect(body.FailedNodes).toEqual({});
      expect(body.FailedAndUnresolvableNodes).toEqual({ n5: 'storage driver not running on this node' });
      expect(body.Error).toBe('');
    });

    it('full Nodes in (nodeCacheCapable: false): the passing Node objects come back unchanged', async () => {
      const items = ['n5', 'n3', 'n1'].map(wireNode);
      const res = await postJson(`${ext.base}/filter`, {
        Pod: pod(['data']),
        Nodes: { items },
        NodeNames: null,
      });
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body.NodeNames).toBeNull();
      expect(body.Nodes.items).toEqual([wireNode('n3'), wireNode('n1')]);
      expect(body.FailedAndUnresolvableNodes).toEqual({ n5: 'storage driver not running on this node' });
    });

    it('preferLocalNodeOnly: nodes without a replica are unresolvable, with the reason', async () => {
      const res = await postJson(`${ext.base}/filter`, {
        Pod: pod(['data'], { 'kube-converge.io/preferLocalNodeOnly': 'true' }),
        NodeNames: ['n1', 'n2', 'n4'],
      });
      const body = res.json();
      expect(body.NodeNames).toEqual(['n1']);
      expect(body.FailedNodes).toEqual({});
      expect(body.FailedAndUnresolvableNodes).toEqual({
        n2: 'no replica of data on this node',
        n4: 'no replica of data on this node',
      });
    });

    it('a PVC Pending in an Immediate class: a request-level Error, no node verdicts', async () => {
      const res = await postJson(`${ext.base}/filter`, { Pod: pod(['data', 'waiting']), NodeNames: ALL });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({
        Nodes: null,
        NodeNames: null,
        FailedNodes: {},
        FailedAndUnresolvableNodes: {},
        Error: 'waiting for PVC shop/waiting to be bound',
      });
    });

    it('a PVC Pending in a WaitForFirstConsumer class does not hold the pod back', async () => {
      const body = (
        await postJson(`${ext.base}/filter`, { Pod: pod(['later']), NodeNames: ['n1', 'n4', 'n5'] })
      ).json();
      expect(body.Error).toBe('');
      expect(body.NodeNames).toEqual(['n1', 'n4']);
      expect(body.FailedAndUnresolvableNodes).toEqual({ n5: 'storage driver not running on this node' });
    });

    it('a pod without managed storage: every node passes', async () => {
      const body = (await postJson(`${ext.base}/filter`, { Pod: pod([]), NodeNames: ALL })).json();
      expect(body.NodeNames).toEqual(ALL);
      expect(body.FailedAndUnresolvableNodes).toEqual({});
    });

    it('input keys match case-insensitively, as Go decodes them', async () => {
      const body = (
        await postJson(`${ext.base}/filter`, { pod: pod(['data']), nodenames: ['n4', 'n5'] })
      ).json();
      expect(body.NodeNames).toEqual(['n4']);
      expect(body.FailedAndUnresolvableNodes).toEqual({ n5: 'storage driver not running on this node' });
      const full = (
        await postJson(`${ext.base}/filter`, { POD: pod(['data']), nodes: { Items: [wireNode('n2')] } })
      ).json();
      expect(full.Nodes.items).toEqual([wireNode('n2')]);
    });
  });

  describe('POST /prioritize', () => {
    it('answers [{Host, Score}] in 0–10: replica 10, same rack 5, no locality 1, no driver 0', async () => {
      const res = await postJson(`${ext.base}/prioritize`, { Pod: pod(['data']), NodeNames: ALL });
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body).toEqual([
        { Host: 'n1', Score: 10 },
        { Host: 'n2', Score: 5 },
        { Host: 'n3', Score: 10 },
        { Host: 'n4', Score: 1 },
        { Host: 'n5', Score: 0 },
      ]);
      for (const entry of body) expect(Object.keys(entry)).toEqual(['Host', 'Score']);
    });

    it('full Nodes in: scores by node name', async () => {
      const body = (
        await postJson(`${ext.base}/prioritize`, {
          Pod: pod(['data']),
          Nodes: { items: ['n4', 'n2'].map(wireNode) },
        })
      ).json();
      expect(body).toEqual([
        { Host: 'n4', Score: 1 },
        { Host: 'n2', Score: 5 },
      ]);
    });
  });

  describe('NonOptimumScheduling events', () => {
    beforeEach(() => ext.events.events.splice(0));

    it('is recorded when no replica node is among the candidates, naming the volume and its nodes', async () => {
      await postJson(`${ext.base}/prioritize`, { Pod: pod(['data']), NodeNames: ['n2', 'n4'] });
      expect(ext.events.events).toHaveLength(1);
      const [event] = ext.events.events;
      expect(event).toMatchObject({
        namespace: 'shop',
        podName: 'db-0',
        podUid: 'uid-db-0',
        reason: 'NonOptimumScheduling',
      });
      expect(event?.message).toContain('volumes data (n1, n3)');
    });

    it.each([
      ['a replica node is a candidate', pod(['data']), ['n3', 'n4']],
      ['the pod has no managed storage', pod([]), ['n2', 'n4']],
      ['the claim is not bound yet (nothing is known of the data)', pod(['later']), ['n2', 'n4']],
      [
        'the pod disabled hyperconvergence',
        pod(['data'], { 'stork.libopenstorage.org/disableHyperconvergence': 'true' }),
        ['n2', 'n4'],
      ],
    ])('is not recorded when %s', async (_why, p, names) => {
      const res = await postJson(`${ext.base}/prioritize`, { Pod: p, NodeNames: names });
      expect(res.status).toBe(200);
      expect(ext.events.events).toEqual([]);
    });

    it('is not recorded by /filter (prioritize sees the final candidates)', async () => {
      await postJson(`${ext.base}/filter`, { Pod: pod(['data']), NodeNames: ['n2', 'n4'] });
      expect(ext.events.events).toEqual([]);
    });
  });

  describe('bad input: a JSON error naming the problem, and the server carries on', () => {
    const json = { 'content-type': 'application/json' };
    it.each([
      ['not JSON', '/filter', { body: '{"Pod":', headers: json }, 400, /not valid JSON/],
      ['not an object', '/filter', { body: '[1,2]', headers: json }, 400, /body is not a JSON object/],
      ['no Pod', '/prioritize', { body: '{"NodeNames":["n1"]}', headers: json }, 400, /Pod is missing/],
      [
        'Pod not an object',
        '/filter',
        { body: '{"Pod":"db-0","NodeNames":["n1"]}', headers: json },
        400,
        /Pod is missing or not an object/,
      ],
      [
        'NodeNames not an array',
        '/filter',
        { body: '{"Pod":{},"NodeNames":"n1"}', headers: json },
        400,
        /NodeNames must be an array of strings/,
      ],
      [
        'NodeNames with a non-string',
        '/prioritize',
        { body: '{"Pod":{},"NodeNames":["n1",7]}', headers: json },
        400,
        /NodeNames must be an array of strings/,
      ],
      [
        'a Nodes.items entry without a name',
        '/filter',
        {
          body: JSON.stringify({ Pod: {}, Nodes: { items: [wireNode('n1'), { metadata: {} }] } }),
          headers: json,
        },
        400,
        /Nodes\.items\[1\]\.metadata\.name is missing/,
      ],
      [
        'Nodes not an object',
        '/filter',
        { body: '{"Pod":{},"Nodes":"n1"}', headers: json },
        400,
        /Nodes must be an object/,
      ],
      [
        'neither NodeNames nor Nodes',
        '/filter',
        { body: '{"Pod":{}}', headers: json },
        400,
        /neither NodeNames nor Nodes/,
      ],
      [
        'the wrong content type',
        '/filter',
        { body: '{}', headers: { 'content-type': 'text/plain' } },
        415,
        /content type "text\/plain" is not supported/,
      ],
      [
        'the wrong method',
        '/prioritize',
        { method: 'GET' },
        405,
        /method GET is not allowed on \/prioritize/,
      ],
      [
        'a body over the limit',
        '/filter',
        { body: JSON.stringify({ Pod: {}, pad: 'x'.repeat(MAX_BODY) }), headers: json },
        413,
        /over the limit of 65536 bytes/,
      ],
      ['an unknown path', '/bind', { body: '{}', headers: json }, 404, /no such path: POST \/bind/],
    ])('%s (%s)', async (_what, path, opts, status, message) => {
      const res = await send(`${ext.base}${path}`, opts);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(body.error.code).toBe(status);
      expect(body.error.message).toMatch(message);
      if (status === 405) expect(res.headers['allow']).toBe('POST');
      const after = await postJson(`${ext.base}/filter`, { Pod: pod(['data']), NodeNames: ['n1', 'n5'] });
      expect(after.status).toBe(200);
      expect(after.json().NodeNames).toEqual(['n1']);
    });
  });
});

describe('the extender over HTTP: raw scale (--score-scale raw)', () => {
  let ext: Running;
  beforeAll(async () => {
    ext = await serveExtender('raw');
  });
  afterAll(() => ext.close());

  it("answers Stork's raw numbers: replica 100, rack 50, default 5, no driver 0", async () => {
    const body = (await postJson(`${ext.base}/prioritize`, { Pod: pod(['data']), NodeNames: ALL })).json();
    expect(body).toEqual([
      { Host: 'n1', Score: 100 },
      { Host: 'n2', Score: 50 },
      { Host: 'n3', Score: 100 },
      { Host: 'n4', Score: 5 },
      { Host: 'n5', Score: 0 },
    ]);
  });
});

describe('the extender over HTTP: metrics and faults', () => {
  it('per-verb latency histograms and call counters reach the registry', async () => {
    const ext = await serveExtender('linear');
    try {
      await postJson(`${ext.base}/filter`, { Pod: pod(['data']), NodeNames: ALL });
      await postJson(`${ext.base}/filter`, { Pod: pod(['waiting']), NodeNames: ALL });
      await postJson(`${ext.base}/prioritize`, { Pod: pod(['data']), NodeNames: ALL });
      await send(`${ext.base}/prioritize`, { body: 'nope', headers: { 'content-type': 'application/json' } });
      await send(`${ext.base}/filter`, {
        body: '{"Pod":{}}',
        headers: { 'content-type': 'application/json' },
      });
      const text = await ext.metrics.registry.metrics();
      expect(text).toMatch(/kube_converge_extender_duration_seconds_count\{verb="filter"\} 2\n/);
      expect(text).toMatch(/kube_converge_extender_duration_seconds_count\{verb="prioritize"\} 1\n/);
      expect(text).toMatch(/kube_converge_extender_duration_seconds_bucket\{le="0\.5",verb="filter"\} 2\n/);
      expect(text).toMatch(/kube_converge_extender_requests_total\{verb="filter",result="ok"\} 1\n/);
      expect(text).toMatch(/kube_converge_extender_requests_total\{verb="filter",result="error"\} 1\n/);
      expect(text).toMatch(/kube_converge_extender_requests_total\{verb="filter",result="bad-request"\} 1\n/);
      expect(text).toMatch(/kube_converge_http_rejected_total\{server="extender",code="400"\} 1\n/);
    } finally {
      await ext.close();
    }
  });

  it('a fault while evaluating is an Error (filter) and neutral scores (prioritize), never a crash', async () => {
    const view = cluster();
    view.csiNodes = () => {
      throw new Error('cache exploded');
    };
    const ext = await serveExtender('linear', { view });
    try {
      const filter = await postJson(`${ext.base}/filter`, { Pod: pod(['data']), NodeNames: ['n1', 'n2'] });
      expect(filter.status).toBe(200);
      expect(filter.json()).toMatchObject({
        NodeNames: null,
        Nodes: null,
        Error: 'kube-converge: cache exploded',
      });
      const prioritize = await postJson(`${ext.base}/prioritize`, {
        Pod: pod(['data']),
        NodeNames: ['n1', 'n2'],
      });
      expect(prioritize.json()).toEqual([
        { Host: 'n1', Score: 0 },
        { Host: 'n2', Score: 0 },
      ]);
      const text = await ext.metrics.registry.metrics();
      expect(text).toMatch(/kube_converge_extender_requests_total\{verb="filter",result="error"\} 1\n/);
      expect(text).toMatch(/kube_converge_extender_duration_seconds_count\{verb="prioritize"\} 1\n/);
    } finally {
      await ext.close();
    }
  });
});
