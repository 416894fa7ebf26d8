/**
 * The cluster view backed by the Kubernetes API: six reflectors (one per kind we read) fill one
 * MemoryStore with slim objects; cache misses for PVCs, PVs and StorageClasses cost one live GET
 * (contract §2). RBAC (cluster-wide): list and watch on nodes, namespaces, persistentvolumeclaims,
 * persistentvolumes, storage.k8s.io storageclasses and csinodes; get on persistentvolumeclaims,
 * persistentvolumes and storageclasses.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { rawKey, slimAs, slimPV, slimPVC, slimStorageClass, type Slimmed } from '../slim.js';
import { MemoryStore, type SlimObject } from '../store.js';
import type { ObjectKind, SlimPV, SlimPVC, SlimStorageClass } from '../types.js';
import { StoreReader } from '../store-reader.js';
import type { ClusterView } from '../view.js';
import { apiLiveReader, apiSources, type LiveReader } from './api-source.js';
import {
  DEFAULT_BACKOFF,
  messageOf,
  staleKinds,
  statusCodeOf,
  watchTimeoutSeconds,
  type BackoffPolicy,
  type KindHealth,
} from './decisions.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import type { ListerWatcher } from './source.js';
import type { ClusterLogger, InformerMetrics, LiveReadKind } from './types.js';

export const OBJECT_KINDS: readonly ObjectKind[] = [
  'Node',
  'Namespace',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
  'CSINode',
];

/** What a cache reflector needs besides its kind and the store. */
export type KindReflectorOptions = Omit<
  ReflectorOptions<SlimObject, ObjectKind>,
  'name' | 'transform' | 'keyOf' | 'sink'
>;

/** One kind of the cluster cache: slimmed by kind, into (its part of) the shared store. */
export function kindReflector(
  kind: ObjectKind,
  store: MemoryStore,
  options: KindReflectorOptions,
): Reflector<SlimObject, ObjectKind> {
  return new Reflector({
    ...options,
    name: kind,
    transform: (raw) => slimAs(kind, raw),
    keyOf: (raw) => rawKey(kind, raw),
    sink: {
      replace: (items) => store.replaceKind(kind, items),
      upsert: (item) => store.upsert(item),
      delete: (key) => store.delete(kind, key),
    },
  });
}

export interface InformerViewOptions {
  readonly logger: ClusterLogger;
  readonly metrics?: InformerMetrics;
  /** List page size. Default 500, as kubectl and client-go's pager. */
  readonly pageSize?: number;
  /** Per list page. Default 60 s. */
  readonly listTimeoutMs?: number;
  /**
   * Per live read. Default 3 s: the API server's webhook timeout defaults to 10 s and the request
   * still has to be answered after the read.
   */
  readonly liveReadTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  /** Server-side watch timeout; default a random 5–10 minutes, as client-go. */
  readonly watchTimeoutSeconds?: () => number;
  /** How long past its timeout a silent watch is declared dead. Default 30 s. */
  readonly watchGraceMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Replaces the API (tests); default: the API server the KubeConfig names. */
  readonly sources?: Readonly<Record<ObjectKind, ListerWatcher>>;
  readonly liveReader?: LiveReader;
}

export class InformerView extends StoreReader implements ClusterView {
  private readonly store = new MemoryStore();
  private readonly reflectors: readonly Reflector<SlimObject, ObjectKind>[];
  private readonly live: LiveReader;
  private readonly syncedKinds = new Set<ObjectKind>();
  private readonly syncWaiters: Array<() => void> = [];
  private readonly logger: ClusterLogger;
  private readonly metrics: InformerMetrics | undefined;
  private readonly liveReadTimeoutMs: number;
  private readonly now: () => number;

  constructor(kubeConfig: KubeConfig, options: InformerViewOptions) {
    super();
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.liveReadTimeoutMs = options.liveReadTimeoutMs ?? 3_000;
    this.now = options.now ?? Date.now;
    const random = options.random ?? Math.random;
    const sources = options.sources ?? apiSources(kubeConfig);
    this.live = options.liveReader ?? apiLiveReader(kubeConfig);
    this.reflectors = OBJECT_KINDS.map((kind) =>
      kindReflector(kind, this.store, {
        source: sources[kind],
        logger: options.logger,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        pageSize: options.pageSize ?? 500,
        listTimeoutMs: options.listTimeoutMs ?? 60_000,
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        watchTimeoutSeconds: options.watchTimeoutSeconds ?? (() => watchTimeoutSeconds(random)),
        watchGraceMs: options.watchGraceMs ?? 30_000,
        now: this.now,
        random,
        onSynced: (k) => this.kindSynced(k),
      }),
    );
  }

  /** Every kind has listed once. */
  get synced(): boolean {
    return this.syncedKinds.size === OBJECT_KINDS.length;
  }

  /**
   * Starts the reflectors and returns at once: the process should serve /healthz (and an unready
   * /readyz) while the first lists run, not hang on an unreachable API server. Await `whenSynced()`.
   */
  start(): Promise<void> {
    for (const r of this.reflectors) r.start();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await Promise.all(this.reflectors.map((r) => r.stop()));
  }

  /** Resolves when every kind has listed once. */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Per-kind sync and connection state, for /readyz and /metrics. */
  health(): KindHealth[] {
    return this.reflectors.map((r) => r.health());
  }

  /** Kinds never synced or disconnected for longer than `maxDisconnectedMs` (see staleKinds). */
  staleKinds(maxDisconnectedMs: number): string[] {
    return staleKinds(this.health(), this.now(), maxDisconnectedMs);
  }

  private kindSynced(kind: ObjectKind): void {
    this.syncedKinds.add(kind);
    if (!this.synced) return;
    this.logger.info({ kinds: OBJECT_KINDS.length }, 'cluster cache synced');
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  async fetchPVC(namespace: string, name: string): Promise<SlimPVC | undefined> {
    return (
      this.store.pvc(namespace, name) ??
      this.liveRead(
        'PersistentVolumeClaim',
        `${namespace}/${name}`,
        (s) => this.live.readPVC(namespace, name, s),
        slimPVC,
      )
    );
  }

  async fetchPV(name: string): Promise<SlimPV | undefined> {
    return (
      this.store.pv(name) ?? this.liveRead('PersistentVolume', name, (s) => this.live.readPV(name, s), slimPV)
    );
  }

  async fetchStorageClass(name: string): Promise<SlimStorageClass | undefined> {
    return (
      this.store.storageClass(name) ??
      this.liveRead('StorageClass', name, (s) => this.live.readStorageClass(name, s), slimStorageClass)
    );
  }

  /**
   * One GET. 404 is an answer (undefined); any other failure is logged and counted and also gives
   * undefined: admission carries on with the volume unknown (contract §2), it never fails on this.
   */
  private async liveRead<T>(
    kind: LiveReadKind,
    key: string,
    read: (signal: AbortSignal) => Promise<unknown>,
    slim: (raw: unknown) => Slimmed<T>,
  ): Promise<T | undefined> {
    let raw: unknown;
    try {
      raw = await read(AbortSignal.timeout(this.liveReadTimeoutMs));
    } catch (err) {
      if (statusCodeOf(err) === 404) {
        this.metrics?.onLiveRead?.(kind, 'not-found');
        return undefined;
      }
      this.metrics?.onLiveRead?.(kind, 'error');
      this.logger.warn({ kind, key, error: messageOf(err) }, 'live read failed');
      return undefined;
    }
    const result = slim(raw);
    if (!result.ok) {
      this.metrics?.onLiveRead?.(kind, 'error');
      this.logger.warn({ kind, key, problem: result.error }, 'live read returned a malformed object');
      return undefined;
    }
    this.metrics?.onLiveRead?.(kind, 'found');
    return result.value;
  }

  protected currentStore(): MemoryStore {
    return this.store;
  }
}
