import { createServer as createHttpServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { MutationConfig } from '../admission/decide.js';
import type { ClusterView } from '../cluster/view.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createHttpsServer } from '../tls/server.js';
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
}

export function mutationConfig(config: Config): MutationConfig {
  return {
    schedulerName: config.schedulerName,
    provisioners: new Set(config.provisioners),
    overrideSchedulers: new Set(config.overrideSchedulers),
  };
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
  const webhook = createHttpsServer(webhookApp, tls, { logger });
  servers.push(webhook);
  const host = config.bindAddress;
  const ports: { webhook: number; extender?: number; metrics?: number } = {
    webhook: await listen(webhook, config.webhookPort, host),
  };
  if (config.extenderPort !== 0 && deps.extenderApp) {
    const app = deps.extenderApp(readiness);
    const server = config.extenderTls ? createHttpsServer(app, tls, { logger }) : createHttpServer(app);
    // kube-scheduler's extender client keeps idle connections 90 s, like the API server's.
    server.keepAliveTimeout = 120_000;
    servers.push(server);
    ports.extender = await listen(server, config.extenderPort, host);
  }
  if (config.metricsPort !== 0) {
    const server = createHttpServer(createMetricsApp(metrics, readiness));
    servers.push(server);
    ports.metrics = await listen(server, config.metricsPort, host);
  }
  logger.info({ ports, scheduler: config.schedulerName, provisioners: config.provisioners }, 'serving');

  return {
    ports,
    async close(): Promise<void> {
      draining = true;
      await Promise.all(servers.map((s) => drain(s, config.shutdownGrace)));
      await view.stop();
      tls.close();
    },
  };
}
