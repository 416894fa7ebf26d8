import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { InformerView } from './informer/index.js';
import { StateFileView } from './state/index.js';
import type { ClusterView } from './view.js';

export interface OpenedView {
  readonly view: ClusterView;
  /** Set when the view reads a real API server (events, live reads go there). */
  readonly kubeConfig?: KubeConfig;
  /** Readiness beyond "synced": undefined when fresh, otherwise why not (stale watches). */
  readonly staleness: () => string | undefined;
}

/**
 * Informer-backed caches can be disconnected for a while and still answer from memory (decisions go
 * on); past `--cache-stale-after` (default 2 min), /readyz reports it so an operator sees the webhook
 * is deciding on old data. Why, or undefined while every kind is fresh.
 */
export function cacheStaleness(
  view: { staleKinds(maxDisconnectedMs: number): string[] },
  staleAfterMs: number,
): string | undefined {
  const stale = view.staleKinds(staleAfterMs);
  return stale.length > 0
    ? `cache of ${stale.join(', ')} is stale (watch down > ${staleAfterMs / 1000}s)`
    : undefined;
}

/** `--state` files when given (the embedded default), otherwise the API server (kubeconfig or in-cluster). */
export function openClusterView(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  opts: { watch: boolean },
): OpenedView {
  if (config.state.length > 0) {
    const view = new StateFileView({
      paths: config.state,
      watch: opts.watch,
      onProblem: (p) => logger.warn({ file: p.file, index: p.index }, `state file problem: ${p.message}`),
      onReload: (r) =>
        logger.info({ files: r.files, changed: r.changed.length, sizes: r.sizes }, 'state files read'),
    });
    return { view, staleness: () => undefined };
  }
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
  const view = new InformerView(kubeConfig, {
    logger: logger.child({ component: 'cache' }),
    liveReadTimeoutMs: config.liveReadTimeout,
    metrics: {
      onLiveRead: (kind, result) => metrics.liveReadResults.inc({ kind, result }),
      onWatchError: (kind, reason) => metrics.watchErrors.inc({ kind, reason }),
      onRelist: (kind) => metrics.relists.inc({ kind }),
    },
  });
  return {
    view,
    kubeConfig,
    staleness: () => cacheStaleness(view, config.cacheStaleAfter),
  };
}
