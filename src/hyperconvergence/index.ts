import type { ListerWatcher } from '../cluster/informer/source.js';
import { DEFAULT_BACKOFF, watchTimeoutSeconds } from '../cluster/informer/decisions.js';
import type { ClusterView } from '../cluster/view.js';
import type { Logger } from '../observability/logger.js';
import type { PlacementSource } from '../placement/types.js';
import { podConvergence } from './evaluate.js';
import { podReflector } from './pod-reflector.js';
import { ConvergenceTracker } from './tracker.js';

export { classifyConvergence, CONVERGENCES, type Convergence } from './classify.js';
export { podConvergence, type ConvergenceDeps } from './evaluate.js';
export { apiPodSource, SCHEDULED_PODS } from './pod-source.js';
export { podReflector, type PodReflectorOptions, type PodSink } from './pod-reflector.js';
export { isCounted, podKey, slimPod, type PodClaim, type SlimPod } from './pod.js';
export { ConvergenceTracker, type ClassifyPod, type TrackerOptions } from './tracker.js';

export interface ConvergenceWatchOptions {
  /** Scheduled pods (apiPodSource in a cluster). */
  readonly source: ListerWatcher;
  /** The cluster cache the extender reads: classification reads it too, never the API. */
  readonly view: ClusterView;
  readonly provisioners: ReadonlySet<string>;
  readonly sources: readonly PlacementSource[];
  readonly logger: Logger;
  /** How often every pod is re-classified (claims bind, replicas move). Default 60 s. */
  readonly resyncMs?: number;
  /** How often to look whether the cluster cache has synced before pods are first listed. Default 1 s. */
  readonly syncPollMs?: number;
}

export interface ConvergenceWatch {
  readonly tracker: ConvergenceTracker;
  stop(): Promise<void>;
}

/**
 * Watches scheduled pods and keeps their convergence for the `kube_converge_pods` gauge. Pods are
 * listed only once the cluster cache has synced, so the first classification sees the claims and
 * nodes; the resync timer catches what pod events cannot show (a claim bound, a replica moved).
 */
export function watchConvergence(o: ConvergenceWatchOptions): ConvergenceWatch {
  const log = o.logger;
  const classify = podConvergence({
    reader: o.view,
    provisioners: o.provisioners,
    sources: o.sources,
    // Per pod and per resync: debug, or a storage system that is down floods the log. The
    // extender's calls report the same failure at warn.
    onProblem: (pod, p) =>
      log.debug({ pod: `${pod.namespace}/${pod.name}`, source: p.source, problem: p.message }, 'placement'),
  });
  const tracker = new ConvergenceTracker(classify, {
    onError: (pod, err) => log.warn({ err, pod: `${pod.namespace}/${pod.name}` }, 'could not classify pod'),
  });
  const reflector = podReflector({
    source: o.source,
    sink: tracker,
    logger: log,
    pageSize: 500,
    listTimeoutMs: 60_000,
    backoff: DEFAULT_BACKOFF,
    watchTimeoutSeconds: () => watchTimeoutSeconds(Math.random),
    watchGraceMs: 30_000,
    now: Date.now,
    random: Math.random,
  });
  const timers: NodeJS.Timeout[] = [];
  const resync = (): void => {
    tracker.resync().catch((err: unknown) => log.warn({ err }, 'convergence resync failed'));
  };
  const waitForCache = setInterval(() => {
    if (!o.view.synced) return;
    clearInterval(waitForCache);
    reflector.start();
    timers.push(setInterval(resync, o.resyncMs ?? 60_000).unref());
  }, o.syncPollMs ?? 1_000).unref();
  timers.push(waitForCache);
  return {
    tracker,
    async stop(): Promise<void> {
      for (const t of timers) clearInterval(t);
      await reflector.stop();
      await tracker.settled();
    },
  };
}
