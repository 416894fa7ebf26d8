/**
 * A TLS pass-through in front of kube-apiserver for kube-converge's own API traffic, able to hold back
 * the events of chosen watches. It exists for one scenario: read-after-create. On loopback our
 * informer sees a new PVC within a millisecond or two, always before the API server calls the webhook
 * for a pod created right after it (measured: 0 live reads in 10 back-to-back PVC+pod pairs), so the
 * one live read would never be exercised. Holding the PVC watch's bytes for a moment makes the cache
 * miss certain, as a busy API server or a slow network does in a real cluster.
 *
 * Everything else passes through untouched (lists, live GETs, events, other watches), to the real API
 * server, with the admin client certificate (or, given none, with the client's own bearer token). It
 * serves the API server's own certificate (SAN 127.0.0.1), so kube-converge verifies it against the
 * cluster CA as usual.
 */
import { request, createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GateTarget {
  readonly port: () => number;
  readonly ca: string;
  /**
   * The identity the gate presents upstream. Without one, the client's own credentials pass through
   * (its Authorization header: a ServiceAccount token stays that ServiceAccount).
   */
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly servingCert: string;
  readonly servingKey: string;
}

/** A watch of the collection `path` (all namespaces), e.g. /api/v1/persistentvolumeclaims. */
export function isWatchOf(path: string, url: string): boolean {
  const u = new URL(url, 'https://x');
  return u.pathname === path && u.searchParams.get('watch') === 'true';
}

export class WatchGate {
  private server: Server | undefined;
  private heldPath: string | undefined;
  private readonly waiting = new Set<() => void>();
  private readonly open = new Set<ServerResponse>();
  /** The paths of the watches that went through, in order (is kube-converge really behind us?). */
  readonly watches: string[] = [];

  constructor(private readonly t: GateTarget) {}

  async start(): Promise<number> {
    const server = createServer({ cert: this.t.servingCert, key: this.t.servingKey }, (req, res) =>
      this.forward(req, res),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** From now on, events of watches of `path` are buffered, not delivered. */
  hold(path: string): void {
    this.heldPath = path;
  }

  /** Delivers what was held, in order, and lets events flow again. */
  release(): void {
    this.heldPath = undefined;
    for (const flush of [...this.waiting]) flush();
  }

  async close(): Promise<void> {
    this.release();
    for (const res of this.open) res.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const u = new URL(url, 'https://x');
    if (u.searchParams.get('watch') === 'true') this.watches.push(u.pathname);
    const upstream = request(
      {
        host: '127.0.0.1',
        port: this.t.port(),
        method: req.method,
        path: url,
        headers: { ...req.headers, host: `127.0.0.1:${this.t.port()}` },
        ca: this.t.ca,
        cert: this.t.clientCert,
        key: this.t.clientKey,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        this.open.add(res);
        const gated = (): boolean => this.heldPath !== undefined && isWatchOf(this.heldPath, url);
        const queue: Buffer[] = [];
        let ended = false;
        const flush = (): void => {
          for (const chunk of queue.splice(0)) res.write(chunk);
          if (ended) res.end();
          this.waiting.delete(flush);
        };
        up.on('data', (chunk: Buffer) => {
          if (gated() || queue.length > 0) {
            queue.push(chunk);
            this.waiting.add(flush);
            if (!gated()) flush();
          } else res.write(chunk);
        });
        up.on('end', () => {
          ended = true;
          this.open.delete(res);
          if (queue.length === 0) res.end();
        });
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`watch gate: ${err.message}`);
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}
