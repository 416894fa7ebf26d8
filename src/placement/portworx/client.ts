import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { decodeError, decodeNodeEnumerate, decodeNodeInspect, decodeVolumeInspect } from './decode.js';
import {
  PortworxAuthError,
  PortworxError,
  PortworxResponseError,
  PortworxUnavailableError,
  type SdkCallResult,
} from './errors.js';
import { SDK_PATH, type SdkStorageNode, type SdkVolumeInspectResponse } from './sdk.js';
import type { TokenSource } from './token.js';

/** The operations used; the `op` label of the Portworx metrics. */
export type SdkOp = 'node-enumerate' | 'node-inspect' | 'volume-inspect';

/** What the placement source needs of Portworx (the client below, or a stand-in in unit tests). */
export interface PortworxApi {
  enumerateNodes(): Promise<SdkStorageNode[]>;
  /** `undefined`: Portworx knows no such node (404). */
  inspectNode(nodeId: string): Promise<SdkStorageNode | undefined>;
  /** `undefined`: Portworx knows no such volume (404). */
  inspectVolume(volumeId: string): Promise<SdkVolumeInspectResponse | undefined>;
  /** Releases connections. */
  close?(): void;
}

export interface PortworxTls {
  /** PEM CA bundle trusted for the gateway's certificate (default: Node's public roots). */
  readonly ca?: string;
  /** PEM client certificate and key, for gateways that ask for one. */
  readonly cert?: string;
  readonly key?: string;
}

export interface PortworxClientOptions {
  /** Base URL of the SDK REST gateway, e.g. `https://portworx-api.portworx:9021`. */
  readonly endpoint: string;
  /** The whole call — connect, TLS, answer — must finish within this (the extender's budget is seconds). */
  readonly timeoutMs: number;
  readonly token?: TokenSource;
  readonly tls?: PortworxTls;
  /** Told about every call, for metrics. */
  readonly observe?: (op: SdkOp, result: SdkCallResult, seconds: number) => void;
}

/** A node enumerate of a large cluster runs to megabytes; anything far beyond is not an SDK answer. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const OP_TEXT: Readonly<Record<SdkOp, string>> = {
  'node-enumerate': 'node enumerate',
  'node-inspect': 'node inspect',
  'volume-inspect': 'volume inspect',
};

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** Marks a timer-ended call, so it is told apart from a connection error. */
class Timeout extends Error {}

/**
 * A small client for the OpenStorage SDK REST gateway (sdk.ts): `GET` with a bearer token, over
 * HTTP or HTTPS (a CA file and optional client certificate), keep-alive, one deadline per call.
 * node:http rather than fetch: Node 20's built-in fetch cannot take a CA or client certificate
 * without the undici package.
 */
export class PortworxClient implements PortworxApi {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly origin: string;

  constructor(private readonly options: PortworxClientOptions) {
    this.base = new URL(options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:')
      throw new Error(`Portworx endpoint ${options.endpoint}: want an http:// or https:// URL`);
    this.origin = this.base.origin;
    // Few, long-lived connections: a TLS handshake costs more than the request (guides/performance.md).
    const agentOptions = { keepAlive: true, maxSockets: 16 };
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({
            ...agentOptions,
            ca: options.tls?.ca,
            cert: options.tls?.cert,
            key: options.tls?.key,
          })
        : new HttpAgent(agentOptions);
  }

  async enumerateNodes(): Promise<SdkStorageNode[]> {
    const body = await this.get('node-enumerate', SDK_PATH.nodeEnumerateWithFilters);
    const nodes = body === undefined ? undefined : decodeNodeEnumerate(body);
    if (!nodes) throw this.badResponse('node-enumerate', 'not a node list');
    return nodes;
  }

  async inspectNode(nodeId: string): Promise<SdkStorageNode | undefined> {
    const body = await this.get('node-inspect', SDK_PATH.nodeInspect(nodeId));
    if (body === undefined) return undefined;
    const node = decodeNodeInspect(body);
    if (node === undefined) throw this.badResponse('node-inspect', 'not a node');
    return node ?? undefined;
  }

  async inspectVolume(volumeId: string): Promise<SdkVolumeInspectResponse | undefined> {
    const body = await this.get('volume-inspect', SDK_PATH.volumeInspect(volumeId));
    if (body === undefined) return undefined;
    const answer = decodeVolumeInspect(body);
    if (!answer) throw this.badResponse('volume-inspect', 'not a volume');
    return answer;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** One call: the parsed JSON body, `undefined` on 404, or a PortworxError. */
  private async get(op: SdkOp, path: string): Promise<unknown> {
    const started = process.hrtime.bigint();
    let result: SdkCallResult = 'ok';
    try {
      const token = await this.options.token?.get();
      const reply = await this.send(op, new URL(path.slice(1), this.base), token);
      const body = this.parse(op, reply);
      if (body === undefined) result = 'not-found';
      return body;
    } catch (err) {
      result = err instanceof PortworxError ? err.result : 'unreachable';
      throw err;
    } finally {
      this.options.observe?.(op, result, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private parse(op: SdkOp, reply: Reply): unknown {
    const json = parseJson(reply.body);
    if (reply.status === 200) {
      if (json === undefined) throw this.badResponse(op, 'the body is not JSON');
      return json;
    }
    if (reply.status === 404) return undefined;
    const why = describeError(json, reply.body);
    if (reply.status === 401 || reply.status === 403) {
      this.options.token?.invalidate();
      const missing = this.options.token
        ? 'Portworx rejected the token'
        : 'Portworx requires a token and none is configured (--portworx-token-file)';
      throw new PortworxAuthError(
        `${missing} (HTTP ${reply.status} on ${OP_TEXT[op]}): ${why}`,
        'token-rejected',
      );
    }
    if (reply.status >= 500 || reply.status === 429)
      throw new PortworxUnavailableError(
        `Portworx SDK gateway ${this.origin} failed ${OP_TEXT[op]}: HTTP ${reply.status} ${why}`,
        'server-error',
      );
    throw this.badResponse(op, `HTTP ${reply.status} ${why}`);
  }

  private badResponse(op: SdkOp, why: string): PortworxResponseError {
    return new PortworxResponseError(
      `Portworx SDK gateway ${this.origin} answered ${OP_TEXT[op]} unexpectedly: ${why}`,
      'bad-response',
    );
  }

  private send(op: SdkOp, url: URL, token: string | undefined): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `bearer ${token}`;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const fail = (err: unknown): void => settle(() => reject(this.transportError(op, err)));
      const req = request(url, { method: 'GET', headers, agent: this.agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            fail(this.badResponse(op, `the body exceeds ${MAX_BODY_BYTES} bytes`));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          settle(() =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          ),
        );
        res.on('error', fail);
      });
      // One deadline for the whole call; destroying the request also ends a half-read answer.
      const timer = setTimeout(() => {
        fail(new Timeout());
        req.destroy();
      }, this.options.timeoutMs);
      req.on('error', fail);
      req.end();
    });
  }

  private transportError(op: SdkOp, err: unknown): PortworxError {
    if (err instanceof PortworxError) return err;
    if (err instanceof Timeout)
      return new PortworxUnavailableError(
        `Portworx SDK gateway ${this.origin} did not answer ${OP_TEXT[op]} within ${this.options.timeoutMs} ms`,
        'timeout',
      );
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return new PortworxUnavailableError(
      `Portworx SDK gateway ${this.origin} is unreachable (${OP_TEXT[op]}): ${code}`,
      'unreachable',
      { cause: err },
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The gateway's own words for an error, shortened. */
function describeError(json: unknown, raw: string): string {
  const body = decodeError(json);
  const words = body.message ?? body.error ?? raw.trim();
  return words.length > 200 ? `${words.slice(0, 200)}…` : words;
}
