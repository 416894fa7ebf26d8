import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What came back, or how the exchange failed (never thrown: the fuzzers count every outcome). */
export type Outcome =
  | { kind: 'reply'; status: number; headers: Record<string, string | string[] | undefined>; text: string }
  | { kind: 'timeout' }
  | { kind: 'network'; code: string; message: string };

export interface Exchange {
  readonly path: string;
  readonly body: string | Buffer;
  readonly method?: string;
  readonly contentType?: string;
}

/**
 * A keep-alive client for one server, as kube-apiserver's and kube-scheduler's Go transports are:
 * a bounded pool of reused sockets. Every request has its own deadline, so a server that hangs shows
 * up as a `timeout` outcome, not as a test stuck until jest's limit.
 */
export class KeepAliveClient {
  private readonly agent: HttpAgent;
  constructor(
    private readonly base: URL,
    private readonly opts: { ca?: string; sockets: number; timeoutMs: number },
  ) {
    const agentOpts = { keepAlive: true, maxSockets: opts.sockets, maxFreeSockets: opts.sockets };
    this.agent =
      base.protocol === 'https:' ? new HttpsAgent({ ...agentOpts, ca: opts.ca }) : new HttpAgent(agentOpts);
  }

  send(x: Exchange): Promise<Outcome> {
    const request = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
    const url = new URL(x.path, this.base);
    const body = Buffer.from(x.body);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (o: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = request(
        url,
        {
          method: x.method ?? 'POST',
          agent: this.agent,
          headers: { 'content-type': x.contentType ?? 'application/json', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            settle({
              kind: 'reply',
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (e: NodeJS.ErrnoException) =>
            settle({ kind: 'network', code: e.code ?? 'ERR', message: e.message }),
          );
        },
      );
      const timer = setTimeout(() => {
        settle({ kind: 'timeout' });
        req.destroy();
      }, this.opts.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) =>
        settle({ kind: 'network', code: e.code ?? 'ERR', message: e.message }),
      );
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `width` in flight, keeping input order in the results. */
export async function inParallel<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return out;
}
