/**
 * A small Kubernetes API client for loading clusters fast: raw `node:https` with the admin client
 * certificate over one keep-alive agent, many requests in flight, JSON in and out. client-node's
 * typed clients build a request context and deserialize every answer into class instances, which
 * costs more CPU than the API server's own work at 200k creates on a 2-core machine.
 */
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';

export interface ApiCredentials {
  /** e.g. https://127.0.0.1:6443 */
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly text: string;
}

/** A non-2xx answer the caller did not expect. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    body: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${body.slice(0, 300)}`);
    this.name = 'ApiError';
  }
}

/** Answers worth another try: the API server shedding load (429) or restarting a watch cache (5xx). */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const ATTEMPTS = 6;

export class KubeApi {
  private readonly agent: Agent;
  /** Requests that needed another attempt (throttled, reset): reported next to creation rates. */
  retries = 0;

  constructor(
    private readonly creds: ApiCredentials,
    maxSockets = 64,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets,
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
    });
  }

  /** One request, no retries; rejects on network errors only. */
  send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.creds.server}${path}`,
        {
          method,
          agent: this.agent,
          timeout: 60_000,
          headers: {
            accept: 'application/json',
            ...(payload !== undefined
              ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request that must answer 2xx (retried on throttling, 5xx and connection resets); the parsed body. */
  async call<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let answer: ApiAnswer | undefined;
      let failure: Error | undefined;
      try {
        answer = await this.send(method, path, body, contentType);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
      if (answer && answer.status >= 200 && answer.status < 300)
        return (answer.text ? JSON.parse(answer.text) : undefined) as T;
      const again = failure !== undefined || (answer !== undefined && RETRYABLE.has(answer.status));
      if (!again || attempt >= ATTEMPTS)
        throw failure ?? new ApiError(method, path, answer?.status ?? 0, answer?.text ?? '');
      this.retries++;
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }

  create<T = unknown>(path: string, obj: unknown): Promise<T> {
    return this.call<T>('POST', path, obj);
  }

  /** A JSON merge patch (RFC 7386), e.g. of a `/status` subresource. */
  mergePatch<T = unknown>(path: string, patch: unknown): Promise<T> {
    return this.call<T>('PATCH', path, patch, 'application/merge-patch+json');
  }

  /** Every item of a collection, paged as kubectl does (500 per page). */
  async list<T = Record<string, unknown>>(
    path: string,
    query = '',
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let token = '';
    let resourceVersion = '';
    do {
      const q = `limit=500${query ? `&${query}` : ''}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const page = await this.call<{
        items: T[];
        metadata: { continue?: string; resourceVersion?: string };
      }>('GET', `${path}?${q}`);
      items.push(...page.items);
      token = page.metadata.continue ?? '';
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
    } while (token);
    return { items, resourceVersion };
  }

  /**
   * Watches a collection from `resourceVersion`; `onEvent` gets every event with the time it arrived
   * (performance.now()). `stop()` ends the stream.
   */
  watch(
    path: string,
    resourceVersion: string,
    onEvent: (type: string, object: Record<string, unknown>, at: number) => void,
    onEnd: (why: string) => void = () => undefined,
  ): Promise<{ stop(): void }> {
    const url = `${this.creds.server}${path}${path.includes('?') ? '&' : '?'}watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}&timeoutSeconds=600`;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        // Its own connection: a watch holds its socket for as long as it runs.
        { method: 'GET', agent: false, ca: this.creds.ca, cert: this.creds.cert, key: this.creds.key },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new ApiError('WATCH', path, res.statusCode ?? 0, ''));
            return;
          }
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = performance.now();
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              if (!line.trim()) continue;
              const event = JSON.parse(line) as { type: string; object: Record<string, unknown> };
              onEvent(event.type, event.object, at);
            }
          });
          let stopped = false;
          res.on('error', (err) => {
            if (!stopped) onEnd(`stream error: ${err.message}`);
          });
          res.on('end', () => {
            if (!stopped) onEnd('the server ended the stream');
          });
          resolve({
            stop: () => {
              stopped = true;
              req.destroy();
            },
          });
        },
      );
      req.on('error', (err) => reject(err));
      req.end();
    });
  }

  /**
   * A watch that outlives its streams, as client-go's reflector does: when kube-apiserver ends one
   * (it closes watchers that fall behind — on a saturated 2-core machine, ours do), it is opened
   * again from the last resourceVersion seen; when that is gone (410), the collection is listed and
   * every item passed on as ADDED. `query` is a selector, e.g. `fieldSelector=spec.nodeName!=`.
   */
  async watchAlways(
    path: string,
    query: string,
    resourceVersion: string,
    onEvent: (type: string, object: Record<string, unknown>, at: number) => void,
  ): Promise<{ stop(): void; restarts(): number }> {
    let lastRv = resourceVersion;
    let restarts = 0;
    let stopped = false;
    let current: { stop(): void } | undefined;
    const open = async (): Promise<void> => {
      let expired = false;
      current = await this.watch(
        query ? `${path}?${query}` : path,
        lastRv,
        (type, obj, at) => {
          const rv = (obj['metadata'] as { resourceVersion?: string } | undefined)?.resourceVersion;
          if (type === 'ERROR') {
            expired = (obj as { code?: number }).code === 410;
            return;
          }
          if (rv) lastRv = rv;
          if (type !== 'BOOKMARK') onEvent(type, obj, at);
        },
        () => {
          if (stopped) return;
          restarts++;
          void reopen(expired);
        },
      );
    };
    const reopen = async (expired: boolean): Promise<void> => {
      try {
        if (expired) {
          const listed = await this.list<Record<string, unknown>>(path, query);
          const at = performance.now();
          for (const item of listed.items) onEvent('ADDED', item, at);
          lastRv = listed.resourceVersion;
        }
        if (!stopped) await open();
      } catch {
        if (!stopped) setTimeout(() => void reopen(true), 200);
      }
    };
    await open();
    return {
      stop: () => {
        stopped = true;
        current?.stop();
      },
      restarts: () => restarts,
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects on the first failure. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failed: Error | undefined;
  const lane = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (err) {
        failed ??= err instanceof Error ? err : new Error(JSON.stringify(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed !== undefined) throw failed;
}

export interface CreationRate {
  readonly objects: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly retries: number;
}

/**
 * Creates every object at `pathOf(obj)` with `inFlight` requests in flight, and how fast that went.
 * `build(i)` makes object i on demand, so 100k objects never sit in memory at once as JSON.
 */
export async function createMany(
  api: KubeApi,
  count: number,
  inFlight: number,
  build: (i: number) => { readonly path: string; readonly body: unknown },
): Promise<CreationRate> {
  const retries0 = api.retries;
  const t0 = performance.now();
  const indexes = Array.from({ length: count }, (_, i) => i);
  await forEachLimit(indexes, inFlight, (i) => {
    const { path, body } = build(i);
    return api.create(path, body);
  });
  const seconds = (performance.now() - t0) / 1000;
  return { objects: count, seconds, perSecond: count / seconds, retries: api.retries - retries0 };
}
