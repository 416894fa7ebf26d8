import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheSizes } from '../cluster/view.js';

/**
 * Every Prometheus metric kube-converge exports, on one registry per process (not prom-client's
 * global one, so tests can make as many as they like). Names follow Prometheus conventions:
 * `_total` counters, `_seconds` histograms.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly reviews = new Counter({
    name: 'kube_converge_admission_reviews_total',
    help: 'AdmissionReviews answered, by object kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly reviewDuration = new Histogram({
    name: 'kube_converge_admission_duration_seconds',
    help: 'Time from request body received to response written, by object kind',
    labelNames: ['kind'] as const,
    // kube-apiserver's own webhook histogram starts at 5 ms; ours resolves below it.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
    registers: [this.registry],
  });
  readonly liveReads = new Counter({
    name: 'kube_converge_cache_live_reads_total',
    help: 'Live API reads made because an object was not in the cache (read-after-create)',
    registers: [this.registry],
  });
  readonly unknownVolumes = new Counter({
    name: 'kube_converge_unknown_volumes_total',
    help: 'Pod volumes whose PVC did not exist even after a live read (admitted unchanged, with a warning)',
    registers: [this.registry],
  });
  readonly liveReadResults = new Counter({
    name: 'kube_converge_cache_live_read_results_total',
    help: 'Live API reads by object kind and result (found, not-found, error)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly watchErrors = new Counter({
    name: 'kube_converge_cache_watch_errors_total',
    help: 'Watches that ended abnormally, by object kind and reason (expired: relist)',
    labelNames: ['kind', 'reason'] as const,
    registers: [this.registry],
  });
  readonly relists = new Counter({
    name: 'kube_converge_cache_relists_total',
    help: 'Full lists of an object kind (start, expired watch, reconnect)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'kube_converge_http_rejected_total',
    help: 'HTTP requests refused before reaching a handler, by server and status code',
    labelNames: ['server', 'code'] as const,
    registers: [this.registry],
  });
  readonly extenderDuration = new Histogram({
    name: 'kube_converge_extender_duration_seconds',
    help: 'Scheduler extender call latency, by verb',
    labelNames: ['verb'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly extenderCalls = new Counter({
    name: 'kube_converge_extender_requests_total',
    help: 'Scheduler extender calls, by verb and result (ok, error, bad-request)',
    labelNames: ['verb', 'result'] as const,
    registers: [this.registry],
  });
  readonly placementFallbacks = new Counter({
    name: 'kube_converge_placement_fallbacks_total',
    help: 'Placement answers a source could not give (unreachable, timed out, token rejected), so the next configured source answered instead, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly portworxRequests = new Counter({
    name: 'kube_converge_portworx_requests_total',
    help: 'Calls to the Portworx SDK REST gateway, by operation and result (ok, not-found, timeout, unreachable, server-error, token-rejected, token-unreadable, bad-response)',
    labelNames: ['op', 'result'] as const,
    registers: [this.registry],
  });
  readonly portworxDuration = new Histogram({
    name: 'kube_converge_portworx_request_duration_seconds',
    help: 'Portworx SDK REST gateway call latency, by operation (cache hits make no call)',
    labelNames: ['op'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private cacheSizes?: () => CacheSizes;
  readonly cacheObjects = new Gauge({
    name: 'kube_converge_cache_objects',
    help: 'Objects in the cluster cache, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    // Read at scrape time rather than on every cache change.
    collect: (): void => this.collectCacheSizes(),
  });
  private podConvergence?: () => Readonly<Record<string, number>>;
  readonly convergedPods = new Gauge({
    name: 'kube_converge_pods',
    help:
      'Running pods whose managed volumes have known replicas, by placement: hyperconverged (their ' +
      'node holds a replica of every such volume), partial (of some), none (of none). Stork: ' +
      'hyperconverged / semi / non-hyperconverged pods',
    labelNames: ['placement'] as const,
    registers: [this.registry],
    // Counted at scrape time from the tracker (src/hyperconvergence); absent without a cluster.
    collect: (): void => {
      if (!this.podConvergence) return;
      for (const [placement, n] of Object.entries(this.podConvergence()))
        this.convergedPods.set({ placement }, n);
    },
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'kube_converge_' });
  }

  private collectCacheSizes(): void {
    if (!this.cacheSizes) return;
    for (const [kind, n] of Object.entries(this.cacheSizes()) as [string, number][])
      this.cacheObjects.set({ kind }, n);
  }

  watchCacheSizes(sizes: () => CacheSizes): void {
    this.cacheSizes = sizes;
  }

  /** Feeds `kube_converge_pods`: pods per placement class, read at each scrape. */
  watchPodConvergence(counts: () => Readonly<Record<string, number>>): void {
    this.podConvergence = counts;
  }
}
