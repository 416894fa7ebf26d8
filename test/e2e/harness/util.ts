import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A port nobody listens on right now (bind 0, read, close). Another process may take it before our
 * child binds it: starters retry with a new port when a child dies of EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number, last?: string) {
    super(`timed out after ${ms} ms waiting until ${what}${last ? ` (last: ${last})` : ''}`);
    this.name = 'TimeoutError';
  }
}

export interface UntilOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Checked on every round: a reason to give up at once (e.g. the process died). */
  readonly abort?: () => string | undefined;
}

/**
 * Polls `check` until it returns a value other than undefined/false, and returns that value. A check
 * that throws counts as "not yet" (its message is reported if time runs out).
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: UntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    const stop = options.abort?.();
    if (stop) throw new Error(`gave up waiting until ${what}: ${stop}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = undefined;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new TimeoutError(what, timeoutMs, last);
    await sleep(options.intervalMs ?? 100);
  }
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

export interface HttpOptions {
  readonly method?: string;
  readonly body?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly insecure?: boolean;
  readonly timeoutMs?: number;
  readonly headers?: Record<string, string>;
}

/** One HTTP(S) request with no keep-alive; rejects on network errors and timeouts only. */
export function fetchText(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: options.method ?? 'GET',
        agent: false,
        timeout: options.timeoutMs ?? 3_000,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(u.protocol === 'https:'
          ? {
              ca: options.ca,
              cert: options.cert,
              key: options.key,
              rejectUnauthorized: options.insecure !== true,
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in ${options.timeoutMs ?? 3_000} ms`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** true when `url` answers 200 (any error: false). */
export async function answers200(url: string, options: HttpOptions = {}): Promise<boolean> {
  try {
    return (await fetchText(url, options)).status === 200;
  } catch {
    return false;
  }
}
