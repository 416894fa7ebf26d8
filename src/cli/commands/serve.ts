import { openClusterView } from '../../cluster/open.js';
import type { Config } from '../../config/config.js';
import { createExtenderApp } from '../../extender/app.js';
import { DedupingRecorder } from '../../extender/events.js';
import { ApiRecorder, LogRecorder } from '../../extender/recorders.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { Metrics } from '../../observability/metrics.js';
import { placementSources } from '../../placement/configured.js';
import { startServers } from '../../server/serve.js';
import { openTlsSource } from '../../tls/reloading.js';
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

export async function serve(config: Config, logger: Logger): Promise<void> {
  const metrics = new Metrics({ processMetrics: true });
  const opened = openClusterView(config, logger, metrics, { watch: true });
  const tls = await openTlsSource({
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    logger: logger.child({ component: 'tls' }),
    selfSigned: { dnsNames: config.tlsDns, caOut: config.caOut },
  });
  // The view starts in the background: /healthz answers and /readyz says "not synced" meanwhile.
  opened.view.start().catch((err: unknown) => {
    logger.fatal({ err }, 'cannot read the cluster state');
    process.exitCode = 2;
    process.kill(process.pid, 'SIGTERM');
  });
  const events = new DedupingRecorder(
    opened.kubeConfig ? new ApiRecorder(opened.kubeConfig, logger) : new LogRecorder(logger),
    EVENT_WINDOW_MS,
  );
  const sources = placementSources(config);
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
  await running.close();
  logger.info('stopped');
  logger.flush();
}

export const serveCommand: Command = {
  name: 'serve',
  usage: 'kube-converge serve [--state PATH]... [--kubeconfig FILE] [flags]',
  summary:
    'runs the admission webhook (HTTPS), the scheduler extender and /metrics. Cluster data from --state files\n' +
    '(the embedded default, watched for changes), else --kubeconfig, else the in-cluster config.',
  flags: [],
  scopes: ['all', 'serve'],
  async run({ config }) {
    await serve(config, createLogger(config.logLevel));
    return 0;
  },
};
