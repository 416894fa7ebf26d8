import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TlsLogger, TlsMaterial } from './material.js';
import { SERVING_TLS_OPTIONS } from './policy.js';
import type { TlsSource } from './reloading.js';

export interface HttpsServerOptions {
  readonly logger: TlsLogger;
  /** Idle keep-alive connections are closed after this. Default 120 s; see KEEP_ALIVE_TIMEOUT_MS. */
  readonly keepAliveTimeoutMs?: number;
  /** A request (headers and body) must arrive within this. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** The TLS handshake must finish within this. Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

/**
 * kube-apiserver's webhook client and kube-scheduler's extender client are Go http.Transports that keep
 * idle connections for 90 s (IdleConnTimeout). If we closed an idle connection first (Node's default is
 * 5 s), the client could send its next review on a socket we are closing and see a reset — a failed
 * admission call. Outlasting the client by a margin leaves closing to the client.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;
/**
 * The longest a webhook call can be allowed to take (admissionregistration timeoutSeconds ≤ 30); after
 * that the API server has given up, so a slower request only holds a socket.
 *
 * headersTimeout equals this rather than exceeding keepAliveTimeout, the old advice: since Node 18 it
 * counts from the first byte of a request, not from the end of the previous one (measured on Node 20:
 * a keep-alive socket idle 2.5 s outlived headersTimeout 1 s and answered its next request), and Node
 * refuses a headersTimeout above requestTimeout.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
// Node's default is 120 s: a client that opens sockets and never finishes the handshake holds them.
const HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * Node enforces requestTimeout and headersTimeout only when it sweeps its connections, every
 * connectionsCheckingInterval (default 30 s): measured on Node 20, a 2 s requestTimeout cut a
 * trickled body after 30 s, and the 30 s one would after up to 60 s. A 1 s sweep makes the limits
 * what they say, for the price of one pass over the open sockets a second.
 */
const TIMEOUT_SWEEP_MS = 1_000;

/** The request timeouts of every server we run (the HTTP extender and metrics servers too). */
export function requestTimeouts(requestTimeoutMs: number = REQUEST_TIMEOUT_MS): {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_SWEEP_MS, requestTimeoutMs),
  };
}

// Kubelet's TCP probes and load balancer health checks connect and hang up mid-handshake. An "unknown
// CA" alert stays loud: it is what a webhook configuration with a stale caBundle looks like from here.
const QUIET_TLS_ERRORS = new Set(['ECONNRESET', 'EPIPE']);

function contextOptions(material: TlsMaterial): Parameters<Server['setSecureContext']>[0] {
  // setSecureContext resets every option it is not given (Node's _tls_wrap), so the policy goes along
  // each time — otherwise a reload would quietly drop the TLS 1.2 floor and the cipher list.
  return { ...SERVING_TLS_OPTIONS, cert: material.cert, key: material.key };
}

/**
 * An HTTPS server whose certificate follows `source`: on each change the server's secure context is
 * replaced, so new connections present the new certificate while open ones finish on the old. Works
 * for clients without SNI too (an IP address in the extender's urlPrefix), unlike an SNICallback.
 * Until `source` has a pair, handshakes fail and `/readyz` (which reads `source.loaded`) says so.
 */
export function createHttpsServer(
  handler: RequestListener,
  source: TlsSource,
  options: HttpsServerOptions,
): Server {
  const material = source.current();
  const server = createServer(
    {
      ...SERVING_TLS_OPTIONS,
      ...(material ? { cert: material.cert, key: material.key } : {}),
      handshakeTimeout: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      ...requestTimeouts(options.requestTimeoutMs),
    },
    handler,
  );
  // A property rather than a constructor option: the documented form on every Node version we support.
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS;
  const unsubscribe = source.onChange((next) => {
    try {
      server.setSecureContext(contextOptions(next));
    } catch (err) {
      // The source already checked the pair with the same options; keep serving the old one.
      options.logger.error({ err }, 'cannot install the new serving certificate');
    }
  });
  server.on('close', unsubscribe);
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
    if (!QUIET_TLS_ERRORS.has(err.code ?? '')) options.logger.warn({ err }, 'TLS handshake failed');
  });
  return server;
}
