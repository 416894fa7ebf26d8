import { KubeConfig } from '@kubernetes/client-node';
import { openClusterView } from '../../cluster/open.js';
import type { Config } from '../../config/config.js';
import { createExtenderApp } from '../../extender/app.js';
import { DedupingRecorder } from '../../extender/events.js';
import { ApiRecorder, LogRecorder } from '../../extender/recorders.js';
import { apiPodSource, watchConvergence } from '../../hyperconvergence/index.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { Metrics } from '../../observability/metrics.js';
import { placementSources } from '../../placement/configured.js';
import { startServers } from '../../server/serve.js';
import { openTlsSource, type TlsSource } from '../../tls/reloading.js';
import { openSelfCertTlsSource } from '../../tls/self/index.js';
import type { Command } from '../command.js';

/** Events about one pod and one cause are repeated at most this often. */
const EVENT_WINDOW_MS = 5 * 60_000;

/** Resolves on the first SIGTERM or SIGINT: the moment to drain. */
function untilSignal(logger: Logger): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      logger.info({ signal }, 'draining');
      resolve(signal);
    };
    process.once('SIGTERM', () => on('SIGTERM'));
    process.once('SIGINT', () => on('SIGINT'));
  });
}

/**
 * The serving certificate by --cert-mode: `self` keeps a CA and pair in a Secret through the API
 * (also with --state, given a kubeconfig); `files` serves --tls-cert-file or a pair made at start.
 */
function openServingTls(
  config: Config,
  kubeConfig: KubeConfig | undefined,
  logger: Logger,
): Promise<TlsSource> {
  if (config.certMode === 'self') {
    let kc = kubeConfig;
    if (kc === undefined) {
      kc = new KubeConfig();
      if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
      else kc.loadFromDefault();
    }
    return openSelfCertTlsSource({
      kubeConfig: kc,
      secretName: config.certSecret ?? '',
      namespace: config.certNamespace,
      webhookConfigName: config.webhookConfigName,
      dnsNames: config.tlsDns,
      validityMs: config.certValidity,
      renewBeforeMs: config.certRenewBefore,
      logger,
    });
  }
  return openTlsSource({
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    logger,
    selfSigned: { dnsNames: config.tlsDns, caOut: config.caOut },
  });
}

/** Serves until SIGTERM or SIGINT; resolves with the exit code (2: the cluster state could not be read). */
export async function serve(config: Config, logger: Logger): Promise<number> {
  let exitCode = 0;
  const metrics = new Metrics({ processMetrics: true });
  const opened = openClusterView(config, logger, metrics, { watch: true });
  const tls = await openServingTls(config, opened.kubeConfig, logger.child({ component: 'tls' }));
  // The view starts in the background: /healthz answers and /readyz says "not synced" meanwhile.
  opened.view.start().catch((err: unknown) => {
    logger.fatal({ err }, 'cannot read the cluster state');
    // Returned, not set on process.exitCode: bin.ts sets exitCode from what run() returns, and a
    // crash reported as exit 0 reads as a completed container to Kubernetes.
    exitCode = 2;
    process.kill(process.pid, 'SIGTERM');
  });
  const events = new DedupingRecorder(
    opened.kubeConfig ? new ApiRecorder(opened.kubeConfig, logger) : new LogRecorder(logger),
    EVENT_WINDOW_MS,
  );
  const sources = placementSources(config, { metrics, logger: logger.child({ component: 'portworx' }) });
  // Pods to watch exist only with an API server; with --state the gauge stays empty.
  const convergence = opened.kubeConfig
    ? watchConvergence({
        source: apiPodSource(opened.kubeConfig),
        view: opened.view,
        provisioners: new Set(config.provisioners),
        sources,
        logger: logger.child({ component: 'convergence' }),
      })
    : undefined;
  if (convergence) metrics.watchPodConvergence(() => convergence.tracker.counts());
  const running = await startServers({
    config,
    view: opened.view,
    tls,
    logger,
    metrics,
    staleness: opened.staleness,
    extenderApp: (readiness) =>
      createExtenderApp({
        view: opened.view,
        provisioners: new Set(config.provisioners),
        sources,
        scale: config.scoreScale,
        logger: logger.child({ component: 'extender' }),
        metrics,
        events,
        maxBodyBytes: config.maxExtenderBytes,
        readiness,
      }),
  });
  await untilSignal(logger);
  await convergence?.stop();
  await running.close();
  logger.info('stopped');
  logger.flush();
  return exitCode;
}

export const serveCommand: Command = {
  name: 'serve',
  usage: 'kube-converge serve [--state PATH]... [--kubeconfig FILE] [flags]',
  summary:
    'runs the admission webhook (HTTPS), the scheduler extender and /metrics.\n' +
    'Cluster data from --state files (the embedded default, watched for changes), else --kubeconfig,\n' +
    'else the in-cluster config.',
  flags: [],
  scopes: ['all', 'serve'],
  async run({ config }) {
    return serve(config, createLogger(config.logLevel));
  },
};
