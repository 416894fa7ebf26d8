/**
 * A CONTRACT FAKE of the Portworx OpenStorage SDK REST gateway. It is NOT Portworx and proves nothing
 * about Portworx's behaviour beyond what its published API definition says.
 *
 * Built from libopenstorage/openstorage `api/server/sdk/api/api.swagger.json` ("OpenStorage SDK"
 * 0.69.1) and the gateway's wiring (`api/server/sdk/rest_gateway.go`: grpc-gateway v1,
 * `runtime.NewServeMux()` with its default `JSONPb{OrigName: true}` marshaler;
 * `server_interceptors.go`: `Authorization: bearer <token>`). So, like the real gateway, it:
 * - serves the definition's paths and methods (below), nothing else (404 otherwise, 405 on a known
 *   path with another method);
 * - writes snake_case proto field names, enums as their names, 64-bit integers as strings, and leaves
 *   out every field holding its zero value (false, "", 0, empty list or map, STATUS_NONE);
 * - answers errors as grpc-gateway does: the gRPC code mapped to an HTTP status and a body
 *   `{error, code, message, details}` (NotFound 404, Unauthenticated 401, PermissionDenied 403,
 *   Internal 500, Unavailable 503, DeadlineExceeded 504);
 * - with a token configured: no bearer token -> 401 (Unauthenticated), a different one -> 403
 *   (PermissionDenied), as the SDK's auth interceptor does.
 * One field comes from a newer definition than 0.69.1: `VolumeSpec.sharedv4_service_spec`
 * (`{type: "SHAREDV4_SERVICE_TYPE_CLUSTERIP" ...}`), which sharedv4 service volumes carry.
 *
 * Scripted: nodes, volumes and replica sets given at start and changed at run time (node status,
 * replicas), slow answers (`delay`), failing answers (`fail`), and a record of every request.
 *
 * Paths served (all from the definition):
 *   GET  /v1/nodes                      OpenStorageNode.Enumerate            {node_ids}
 *   GET  /v1/nodes/filters              OpenStorageNode.EnumerateWithFilters {nodes}
 *   GET  /v1/nodes/inspect/{node_id}    OpenStorageNode.Inspect              {node}
 *   GET  /v1/nodes/inspectcurrent       OpenStorageNode.InspectCurrent       {node}
 *   GET  /v1/volumes                    OpenStorageVolume.Enumerate          {volume_ids}
 *   GET  /v1/volumes/inspect/{volume_id} OpenStorageVolume.Inspect           {volume, name, labels}
 *   POST /v1/volumes/inspectwithfilters OpenStorageVolume.InspectWithFilters {volumes}
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** `openstorageapiStatus`, as the definition lists it (kept apart from the client's copy on purpose). */
export const FAKE_STATUS = [
  'STATUS_NONE',
  'STATUS_INIT',
  'STATUS_OK',
  'STATUS_OFFLINE',
  'STATUS_ERROR',
  'STATUS_NOT_IN_QUORUM',
  'STATUS_DECOMMISSION',
  'STATUS_MAINTENANCE',
  'STATUS_STORAGE_DOWN',
  'STATUS_STORAGE_DEGRADED',
  'STATUS_NEEDS_REBOOT',
  'STATUS_STORAGE_REBALANCE',
  'STATUS_STORAGE_DRIVE_REPLACE',
  'STATUS_NOT_IN_QUORUM_NO_STORAGE',
  'STATUS_MAX',
] as const;
export type FakeStatus = (typeof FAKE_STATUS)[number];

/** A scripted Portworx node (`apiStorageNode`). */
export interface FakeNode {
  id: string;
  scheduler_node_name?: string;
  hostname?: string;
  mgmt_ip?: string;
  data_ip?: string;
  status?: FakeStatus;
  node_labels?: Record<string, string>;
  pools?: { uuid: string; labels?: Record<string, string> }[];
}

/** A scripted Portworx volume (`apiVolume` inside `apiSdkVolumeInspectResponse`). */
export interface FakeVolume {
  id: string;
  /** locator.name; also the inspect answer's `name`. */
  name?: string;
  /** The inspect answer's `labels`. */
  labels?: Record<string, string>;
  locatorLabels?: Record<string, string>;
  specLabels?: Record<string, string>;
  sharedv4?: boolean;
  /** e.g. SHAREDV4_SERVICE_TYPE_CLUSTERIP; present means the spec carries a sharedv4_service_spec. */
  sharedv4ServiceType?: string;
  /** Node ids per replica set. */
  replicaSets: string[][];
}

export type FakeOp =
  | 'node-enumerate-ids'
  | 'node-enumerate'
  | 'node-inspect'
  | 'node-inspect-current'
  | 'volume-enumerate'
  | 'volume-inspect'
  | 'volume-inspect-filters';

export interface RecordedRequest {
  readonly op: FakeOp | 'unknown';
  readonly method: string;
  readonly path: string;
  /** The Authorization header as received (tests check the scheme; they never print it). */
  readonly authorization?: string;
}

export interface PortworxFakeOptions {
  nodes?: FakeNode[];
  volumes?: FakeVolume[];
  /** Require `Authorization: bearer <token>`. */
  token?: string;
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
}

interface Failure {
  status: number;
  op?: FakeOp;
  remaining: number;
  body?: string;
}

/** gRPC code -> the HTTP status grpc-gateway v1 answers with (runtime.HTTPStatusFromCode). */
const GRPC_CODE_OF_STATUS: Readonly<Record<number, number>> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 10,
  429: 8,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
};

type Json = Record<string, unknown>;

/** grpc-gateway (OrigName, EmitDefaults off) leaves out zero scalars and empty lists; so does the fake. */
function omitZero(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(omitZero).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = omitZero(v);
      if (kept !== undefined) out[k] = kept;
    }
    // A set message is written even when empty (`{}`); unset ones are `undefined` here.
    return out;
  }
  if (value === false || value === '' || value === 0 || value === 'STATUS_NONE' || value === undefined)
    return undefined;
  return value;
}

export class PortworxFake {
  readonly requests: RecordedRequest[] = [];
  url = '';
  token: string | undefined;
  private readonly nodes = new Map<string, FakeNode>();
  private readonly volumes = new Map<string, FakeVolume>();
  private readonly delays: { ms: number; op?: FakeOp }[] = [];
  private readonly failures: Failure[] = [];
  private server!: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(options: PortworxFakeOptions) {
    for (const node of options.nodes ?? []) this.nodes.set(node.id, { ...node });
    for (const volume of options.volumes ?? []) this.volumes.set(volume.id, { ...volume });
    this.token = options.token;
  }

  static async start(options: PortworxFakeOptions = {}): Promise<PortworxFake> {
    const fake = new PortworxFake(options);
    const handler = (req: IncomingMessage, res: ServerResponse): void => fake.handle(req, res);
    const tls = options.tls;
    fake.server = tls
      ? createHttpsServer(
          {
            cert: tls.cert,
            key: tls.key,
            ca: tls.ca,
            requestCert: tls.requireClientCert,
            rejectUnauthorized: tls.requireClientCert,
          },
          handler,
        )
      : createHttpServer(handler);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return fake;
  }

  // --- scripting ---
  upsertNode(node: FakeNode): void {
    this.nodes.set(node.id, { ...node });
  }
  removeNode(id: string): void {
    this.nodes.delete(id);
  }
  setNodeStatus(id: string, status: FakeStatus): void {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`fake: no node ${id}`);
    node.status = status;
  }
  upsertVolume(volume: FakeVolume): void {
    this.volumes.set(volume.id, { ...volume });
  }
  removeVolume(id: string): void {
    this.volumes.delete(id);
  }
  setReplicas(volumeId: string, replicaSets: string[][]): void {
    const volume = this.volumes.get(volumeId);
    if (!volume) throw new Error(`fake: no volume ${volumeId}`);
    volume.replicaSets = replicaSets;
  }
  /** Every answer (or those of one operation) waits `ms` first. */
  delay(ms: number, op?: FakeOp): void {
    this.delays.push({ ms, op });
  }
  /** Answer `status` (with a grpc-gateway error body, or `body` verbatim) `times` times, default always. */
  fail(status: number, options: { op?: FakeOp; times?: number; body?: string } = {}): void {
    this.failures.push({ status, op: options.op, remaining: options.times ?? Infinity, body: options.body });
  }
  /** Back to prompt, successful answers. */
  heal(): void {
    this.delays.length = 0;
    this.failures.length = 0;
  }
  calls(op?: FakeOp): number {
    return op === undefined ? this.requests.length : this.requests.filter((r) => r.op === op).length;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- serving ---
  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = this.route(req.method ?? 'GET', url.pathname);
    this.requests.push({
      op: route?.op ?? 'unknown',
      method: req.method ?? '',
      path: url.pathname,
      authorization: req.headers.authorization,
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ms = this.delays
        .filter((d) => d.op === undefined || d.op === route?.op)
        .reduce((a, d) => a + d.ms, 0);
      const answer = (): void => {
        if (res.destroyed) return; // the client gave up (its timeout)
        this.answer(req, res, route, Buffer.concat(chunks).toString('utf8'));
      };
      if (ms <= 0) return answer();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        answer();
      }, ms);
      this.timers.add(timer);
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse, route: Route | undefined, body: string): void {
    if (!route) return this.error(res, 404, 'Not Found');
    if (route.method !== req.method) return this.error(res, 405, 'Method Not Allowed');
    const auth = this.checkToken(req.headers.authorization);
    if (auth) return this.error(res, auth.status, auth.message);
    const failure = this.failures.find((f) => f.remaining > 0 && (f.op === undefined || f.op === route.op));
    if (failure) {
      failure.remaining--;
      if (failure.body !== undefined) return this.send(res, failure.status, failure.body);
      return this.error(res, failure.status, `fake: scripted failure ${failure.status}`);
    }
    const result = route.run(body);
    if (result === undefined) return this.error(res, 404, `${route.op}: not found`);
    this.send(res, 200, JSON.stringify(omitZero(result) ?? {}));
  }

  private checkToken(header: string | undefined): { status: number; message: string } | undefined {
    if (this.token === undefined) return undefined;
    const m = /^bearer\s+(.+)$/i.exec(header ?? '');
    if (!m) return { status: 401, message: 'Request unauthenticated with bearer' };
    if (m[1] !== this.token) return { status: 403, message: 'Access denied, token is not valid' };
    return undefined;
  }

  private error(res: ServerResponse, status: number, message: string): void {
    const code = GRPC_CODE_OF_STATUS[status] ?? 2;
    this.send(res, status, JSON.stringify({ error: message, code, message, details: [] }));
  }

  private send(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  }

  private route(method: string, path: string): Route | undefined {
    const node = /^\/v1\/nodes\/inspect\/([^/]+)$/.exec(path);
    if (node)
      return { op: 'node-inspect', method: 'GET', run: () => this.nodeAnswer(decodeURIComponent(node[1]!)) };
    const volume = /^\/v1\/volumes\/inspect\/([^/]+)$/.exec(path);
    if (volume)
      return {
        op: 'volume-inspect',
        method: 'GET',
        run: () => this.volumeAnswer(decodeURIComponent(volume[1]!)),
      };
    switch (path) {
      case '/v1/nodes':
        return { op: 'node-enumerate-ids', method: 'GET', run: () => ({ node_ids: [...this.nodes.keys()] }) };
      case '/v1/nodes/filters':
        return {
          op: 'node-enumerate',
          method: 'GET',
          run: () => ({ nodes: [...this.nodes.values()].map(nodeJson) }),
        };
      case '/v1/nodes/inspectcurrent': {
        const first = [...this.nodes.values()][0];
        return {
          op: 'node-inspect-current',
          method: 'GET',
          run: () => (first ? { node: nodeJson(first) } : undefined),
        };
      }
      case '/v1/volumes':
        return {
          op: 'volume-enumerate',
          method: 'GET',
          run: () => ({ volume_ids: [...this.volumes.keys()] }),
        };
      case '/v1/volumes/inspectwithfilters':
        return { op: 'volume-inspect-filters', method: 'POST', run: (body) => this.inspectWithFilters(body) };
      default:
        return undefined;
    }
  }

  private nodeAnswer(id: string): Json | undefined {
    const node = this.nodes.get(id);
    return node ? { node: nodeJson(node) } : undefined;
  }

  private volumeAnswer(id: string): Json | undefined {
    const volume = this.volumes.get(id);
    return volume ? volumeInspectJson(volume) : undefined;
  }

  /** `apiSdkVolumeInspectWithFiltersRequest`: name and labels (all must match). */
  private inspectWithFilters(body: string): Json {
    let request: { name?: string; labels?: Record<string, string> } = {};
    try {
      request = JSON.parse(body || '{}') as typeof request;
    } catch {
      request = {};
    }
    const matches = [...this.volumes.values()].filter((v) => {
      if (request.name && v.name !== request.name) return false;
      const labels = { ...v.specLabels, ...v.locatorLabels, ...v.labels };
      return Object.entries(request.labels ?? {}).every(([k, value]) => labels[k] === value);
    });
    return { volumes: matches.map(volumeInspectJson) };
  }
}

interface Route {
  readonly op: FakeOp;
  readonly method: 'GET' | 'POST';
  readonly run: (body: string) => Json | undefined;
}

/** `apiStorageNode` as the gateway writes it, with a few fields a client must tolerate and ignore. */
function nodeJson(node: FakeNode): Json {
  return {
    id: node.id,
    scheduler_node_name: node.scheduler_node_name,
    hostname: node.hostname,
    mgmt_ip: node.mgmt_ip,
    data_ip: node.data_ip,
    status: node.status ?? 'STATUS_OK',
    node_labels: node.node_labels,
    pools: (node.pools ?? []).map((p) => ({
      uuid: p.uuid,
      labels: p.labels,
      Medium: 'STORAGE_MEDIUM_SSD',
      TotalSize: '107374182400',
    })),
    HWType: 'VirtualMachine',
    cpu: 3.5,
    mem_total: '8589934592',
    avg_load: '12',
  };
}

/** `apiSdkVolumeInspectResponse`. */
function volumeInspectJson(volume: FakeVolume): Json {
  return {
    volume: {
      id: volume.id,
      locator: { name: volume.name ?? volume.id, volume_labels: volume.locatorLabels },
      spec: {
        ha_level: String(volume.replicaSets[0]?.length ?? 1),
        sharedv4: volume.sharedv4,
        sharedv4_service_spec:
          volume.sharedv4ServiceType === undefined
            ? undefined
            : { type: volume.sharedv4ServiceType, name: volume.name },
        volume_labels: volume.specLabels,
        format: 'FS_TYPE_EXT4',
      },
      replica_sets: volume.replicaSets.map((nodes) => ({ nodes })),
      status: 'VOLUME_STATUS_UP',
      state: 'VOLUME_STATE_DETACHED',
      format: 'FS_TYPE_EXT4',
      usage: '1048576',
    },
    name: volume.name ?? volume.id,
    labels: volume.labels,
  };
}
