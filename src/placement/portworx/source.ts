import type { ClusterReader } from '../../cluster/view.js';
import type { Logger } from '../../observability/logger.js';
import type { ResolvedVolume } from '../../resolution/types.js';
import { volumeKey, type PlacementSource, type Placements, type VolumePlacement } from '../types.js';
import { TtlCache } from './cache.js';
import type { PortworxApi } from './client.js';
import { FailureLog } from './failure-log.js';
import { mapLimit } from './limit.js';
import { storageNodesOfPortworx } from './nodes.js';
import type { SdkStorageNode, SdkVolumeInspectResponse } from './sdk.js';
import { PORTWORX_SOURCE, placementOfPortworx, portworxVolumeId, replicaNodeIds } from './volumes.js';

/** The one metric the source itself moves (the client reports its calls through `observe`). */
export interface FallbackCounter {
  inc(labels: { source: string }): void;
}

export interface PortworxSourceOptions {
  readonly api: PortworxApi;
  /** How long node and volume answers are reused, in ms (0: not at all, loads in flight still shared). */
  readonly cacheTtlMs: number;
  /** Volume inspections in flight at once per source (default 8). */
  readonly concurrency?: number;
  readonly fallbacks?: { readonly placementFallbacks: FallbackCounter };
  readonly logger?: Logger;
  /** At most one "Portworx unavailable" line per this many ms (default 60 000). */
  readonly logIntervalMs?: number;
  readonly now?: () => number;
}

const NODES_KEY = 'nodes';

/**
 * The `portworx` placement source (contract §6). For a pod's bound Portworx volumes it asks Portworx
 * where the replicas are (one volume inspect per distinct volume, in parallel up to `concurrency`)
 * and which nodes exist and how healthy they are (one node enumerate), both cached for `cacheTtlMs`
 * with single-flight. It answers for itself: every placement carries Portworx's storage nodes, tied
 * to Kubernetes nodes by nodes.ts. A volume Portworx does not know (404) is left to the next source.
 *
 * Any failed call fails the whole answer — all or nothing, so a pod is never scored half from
 * Portworx and half from guesses — by throwing a PortworxError: the combinator records it and asks
 * the next source (node-labels, pv-node-affinity: topology from Kubernetes). Each fallback is counted
 * in kube_converge_placement_fallbacks_total{source="portworx"} and logged at most once a minute.
 */
export class PortworxSource implements PlacementSource {
  readonly name = PORTWORX_SOURCE;
  private readonly nodes: TtlCache<SdkStorageNode[]>;
  private readonly volumes: TtlCache<SdkVolumeInspectResponse | undefined>;
  private readonly extraNodes: TtlCache<SdkStorageNode | undefined>;
  private readonly failures: FailureLog;

  constructor(private readonly options: PortworxSourceOptions) {
    const now = options.now ?? Date.now;
    this.nodes = new TtlCache(options.cacheTtlMs, now);
    this.volumes = new TtlCache(options.cacheTtlMs, now);
    this.extraNodes = new TtlCache(options.cacheTtlMs, now);
    this.failures = new FailureLog(options.logger, options.logIntervalMs ?? 60_000, now);
  }

  async locate(volumes: readonly ResolvedVolume[], reader: ClusterReader): Promise<Placements> {
    const wanted = volumes.flatMap((volume) => {
      const id = portworxVolumeId(volume);
      return id === undefined ? [] : [{ volume, id }];
    });
    if (wanted.length === 0) return new Map();
    try {
      const placements = await this.ask(wanted, reader);
      this.failures.recovered();
      return placements;
    } catch (err) {
      this.options.fallbacks?.placementFallbacks.inc({ source: PORTWORX_SOURCE });
      this.failures.failed(err);
      throw err;
    }
  }

  private async ask(
    wanted: readonly { volume: ResolvedVolume; id: string }[],
    reader: ClusterReader,
  ): Promise<Placements> {
    const api = this.options.api;
    const ids = [...new Set(wanted.map((w) => w.id))];
    const [pxNodes, answers] = await Promise.all([
      this.nodes.get(NODES_KEY, () => api.enumerateNodes()),
      mapLimit(ids, this.options.concurrency ?? 8, (id) => this.volumes.get(id, () => api.inspectVolume(id))),
    ]);
    const byId = new Map(ids.map((id, i) => [id, answers[i]]));
    const allNodes = [...pxNodes, ...(await this.nodesMissingFrom(pxNodes, answers))];
    // One list for every placement of this answer: scoring indexes it once (volumes.ts idIndexer).
    const storageNodes = storageNodesOfPortworx(allNodes, reader.nodes());
    const out = new Map<string, VolumePlacement>();
    for (const { volume, id } of wanted) {
      const answer = byId.get(id);
      if (answer) out.set(volumeKey(volume), placementOfPortworx(volume, answer, storageNodes));
    }
    return out;
  }

  /** Closes the client's idle connections (idle keep-alive sockets never hold the process open). */
  close(): void {
    this.options.api.close?.();
  }

  /**
   * Replica nodes the (cached) enumerate does not list — a node that joined since — inspected one by
   * one, so a fresh replica is not silently dropped until the node list expires.
   */
  private async nodesMissingFrom(
    pxNodes: readonly SdkStorageNode[],
    answers: readonly (SdkVolumeInspectResponse | undefined)[],
  ): Promise<SdkStorageNode[]> {
    const known = new Set(pxNodes.map((n) => n.id));
    const missing = [...new Set(answers.flatMap((a) => replicaNodeIds(a?.volume)))].filter(
      (id) => !known.has(id),
    );
    if (missing.length === 0) return [];
    const api = this.options.api;
    const found = await mapLimit(missing, this.options.concurrency ?? 8, (id) =>
      this.extraNodes.get(id, () => api.inspectNode(id)),
    );
    return found.filter((n): n is SdkStorageNode => n !== undefined);
  }
}
