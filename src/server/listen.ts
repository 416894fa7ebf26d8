import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How long a draining server keeps accepting, answering everything with `Connection: close`, before
 * it closes its listener and its idle connections. Closing a kept-alive connection that looks idle
 * races with a client that has just sent its next request on it; a Go client (kube-apiserver,
 * kube-scheduler) does not retry a POST that failed that way. Measured under load without this
 * window: every busy connection lost the review it carried at the moment of SIGTERM.
 */
export const LAME_DUCK_MS = 1_000;

/** Answers not yet finished, per server: a drain asks each to end its connection. */
const unfinished = new WeakMap<Server, Set<ServerResponse>>();
const draining = new WeakSet<Server>();

/**
 * Node keeps a kept-alive connection open after server.close(): an answer written during the drain
 * still says `keep-alive`, the client sends its next request on the same socket, and the drain lasts
 * until the grace ends and cuts whatever is then in flight (measured: exit at the full grace). So
 * every answer written once the drain has begun says `Connection: close`.
 */
function track(server: Server): void {
  const open = new Set<ServerResponse>();
  unfinished.set(server, open);
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining.has(server)) endConnectionAfter(server, res);
    open.add(res);
    res.once('close', () => open.delete(res));
  });
}

function endConnectionAfter(server: Server, res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
  // Already on its way with keep-alive: once the listener is closed, close the connection when idle.
  else res.once('finish', () => server.listening || server.closeIdleConnections());
}

/** Listens and resolves with the bound port (port 0 picks a free one: tests and benchmarks). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  track(server);
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Drains a server: answers every request with `Connection: close` for `lameDuckMs`, then stops
 * accepting and closes the idle connections (server.close does both, Node ≥ 19), lets in-flight
 * requests finish, and after `graceMs` in all cuts what is left.
 */
export function drain(server: Server, graceMs: number, lameDuckMs = LAME_DUCK_MS): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    draining.add(server);
    for (const res of unfinished.get(server) ?? []) endConnectionAfter(server, res);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    cut.unref();
    setTimeout(
      () =>
        server.close(() => {
          clearTimeout(cut);
          resolve();
        }),
      Math.min(lameDuckMs, graceMs),
    );
  });
}
