import { createServer as createHttpServer, type Server } from 'node:http';
import type { Express } from 'express';
import { mutationConfig } from '../admission/decide.js';
import type { ClusterView } from '../cluster/view.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createHttpsServer, requestTimeouts } from '../tls/server.js';
import type { TlsSource } from '../tls/reloading.js';
import { createMetricsApp } from './metrics-app.js';
import { drain, listen } from './listen.js';
import type { ReadinessCheck } from './probes.js';
import { createWebhookApp } from './webhook-app.js';

export interface RunningServers {
  readonly ports: { webhook: number; extender?: number; metrics?: number };
  /** Drains every server (in-flight requests finish), then stops the view and the TLS source. */
  close(): Promise<void>;
}

export interface ServeDeps {
  readonly config: Config;
  readonly view: ClusterView;
  readonly tls: TlsSource;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Why the cache is too old to trust, if it is (informer watches down for long). */
  readonly staleness?: () => string | undefined;
  /** Builds the extender app (src/extender) when the extender port is not 0. */
  readonly extenderApp?: (readiness: Readonly<Record<string, ReadinessCheck>>) => Express;
  /** Every server's request timeout; default REQUEST_TIMEOUT_MS (tests shorten it). */
  readonly requestTimeoutMs?: number;
}

/**
 * Starts the webhook (HTTPS), the extender (HTTP, or HTTPS with --extender-tls) and the metrics
 * server on the configured ports. Readiness = the cache has synced, a certificate is loaded and we
 * are not draining.
 */
export async function startServers(deps: ServeDeps): Promise<RunningServers> {
  const { config, view, tls, logger, metrics } = deps;
  let draining = false;
  const readiness: Record<string, ReadinessCheck> = {
    cache: () => (view.synced ? deps.staleness?.() : 'the cluster cache has not synced yet'),
    certificate: () => (tls.loaded ? undefined : 'no serving certificate is loaded'),
    shutdown: () => (draining ? 'shutting down' : undefined),
  };
  metrics.watchCacheSizes(() => view.sizes());

  const webhookApp = createWebhookApp({
    view,
    mutation: mutationConfig(config),
    logger,
    metrics,
    maxBodyBytes: config.maxReviewBytes,
    readiness,
  });
  const servers: Server[] = [];
  const { requestTimeoutMs } = deps;
  const webhook = createHttpsServer(webhookApp, tls, { logger, requestTimeoutMs });
  servers.push(webhook);
  const host = config.bindAddress;
  const ports: { webhook: number; extender?: number; metrics?: number } = {
    webhook: await listen(webhook, config.webhookPort, host),
  };
  if (config.extenderPort !== 0 && deps.extenderApp) {
    const app = deps.extenderApp(readiness);
    // Node's plain-HTTP defaults (300 s per request, swept every 30 s) would let a slow client hold a
    // socket for minutes: the plain servers get the webhook's limits.
    const server = config.extenderTls
      ? createHttpsServer(app, tls, { logger, requestTimeoutMs })
      : createHttpServer(requestTimeouts(requestTimeoutMs), app);
    // kube-scheduler's extender client keeps idle connections 90 s, like the API server's.
    server.keepAliveTimeout = 120_000;
    servers.push(server);
    ports.extender = await listen(server, config.extenderPort, host);
  }
  let metricsServer: Server | undefined;
  if (config.metricsPort !== 0) {
    metricsServer = createHttpServer(requestTimeouts(requestTimeoutMs), createMetricsApp(metrics, readiness));
    ports.metrics = await listen(metricsServer, config.metricsPort, host);
  }
  logger.info({ ports, scheduler: config.schedulerName, provisioners: config.provisioners }, 'serving');

  return {
    ports,
    async close(): Promise<void> {
      draining = true;
      const deadline = Date.now() + config.shutdownGrace;
      await Promise.all(servers.map((s) => drain(s, config.shutdownGrace)));
      // The probes go last, at once: /readyz answers 503 for as long as the drain lasts.
      if (metricsServer) await drain(metricsServer, Math.max(0, deadline - Date.now()), 0);
      await view.stop();
      tls.close();
    },
  };
}
