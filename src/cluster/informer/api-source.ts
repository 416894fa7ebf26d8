/**
 * The Kubernetes API behind the reflectors and the live reads, on @kubernetes/client-node 1.x.
 *
 * What client-node 1.4 does that matters here (read from its dist/):
 * - typed `list*` calls return the list's `metadata.resourceVersion` and `metadata._continue`
 *   (`continue` is renamed), and deserialize timestamps into `Date` objects (./slim.ts accepts both);
 *   a non-2xx answer throws `ApiException` with the status in `code` (410 for an expired continue);
 * - `Watch.watch()` resolves once the response is 200 and the stream is attached; a non-200 answer
 *   (a 410 included) calls `done` with an Error whose `statusCode` is set; the server closing the
 *   stream calls `done(null)`; a 410 mid-stream arrives as an ERROR event whose object is a Status
 *   with `code: 410`. Events are raw JSON (timestamps are strings). Its 30 s request timeout is
 *   overwritten in 1.4 (the signal is replaced), so the reflector keeps its own watchdog.
 * - per-request options take middleware; one sets an AbortSignal on the request so a hung list or
 *   live read can be abandoned (the fetch is aborted, not just ignored).
 */
import {
  CoreV1Api,
  Observable,
  StorageV1Api,
  Watch,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { ObjectKind } from '../types.js';
import type { ListerWatcher, ListOptions, ListPage, WatchHandle, WatchRequest } from './source.js';

/** The collection each kind is watched at (all namespaces). */
export const WATCH_PATHS: Readonly<Record<ObjectKind, string>> = {
  Node: '/api/v1/nodes',
  Namespace: '/api/v1/namespaces',
  PersistentVolumeClaim: '/api/v1/persistentvolumeclaims',
  PersistentVolume: '/api/v1/persistentvolumes',
  StorageClass: '/apis/storage.k8s.io/v1/storageclasses',
  CSINode: '/apis/storage.k8s.io/v1/csinodes',
};

interface RawList {
  readonly items: readonly unknown[];
  readonly metadata?: { readonly resourceVersion?: string; readonly _continue?: string };
}
interface ListParams {
  limit?: number;
  _continue?: string;
}
type ListCall = (params: ListParams, options: ConfigurationOptions) => Promise<RawList>;

/** Per-request options that attach `signal` to the HTTP request. */
export function withSignal(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function listCalls(core: CoreV1Api, storage: StorageV1Api): Record<ObjectKind, ListCall> {
  return {
    Node: (p, o) => core.listNode(p, o),
    Namespace: (p, o) => core.listNamespace(p, o),
    PersistentVolumeClaim: (p, o) => core.listPersistentVolumeClaimForAllNamespaces(p, o),
    PersistentVolume: (p, o) => core.listPersistentVolume(p, o),
    StorageClass: (p, o) => storage.listStorageClass(p, o),
    CSINode: (p, o) => storage.listCSINode(p, o),
  };
}

class ApiListerWatcher implements ListerWatcher {
  constructor(
    private readonly listCall: ListCall,
    private readonly watcher: Watch,
    private readonly path: string,
  ) {}

  async list(options: ListOptions): Promise<ListPage> {
    // No resourceVersion: a consistent read from etcd, so the watch that follows misses nothing.
    const params: ListParams = {};
    if (options.limit !== undefined) params.limit = options.limit;
    if (options.continueToken !== undefined) params._continue = options.continueToken;
    const list = await this.listCall(params, withSignal(options.signal));
    const continueToken = list.metadata?._continue;
    return {
      items: list.items,
      resourceVersion: list.metadata?.resourceVersion ?? '',
      ...(continueToken ? { continueToken } : {}),
    };
  }

  async watch(request: WatchRequest): Promise<WatchHandle> {
    const controller = await this.watcher.watch(
      this.path,
      {
        resourceVersion: request.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: request.timeoutSeconds,
      },
      (type: string, object: unknown) => request.onEvent(type, object),
      (err: unknown) => request.onDone(err),
    );
    return { abort: () => controller.abort() };
  }
}

/** One ListerWatcher per kind, sharing one client per API group. */
export function apiSources(kubeConfig: KubeConfig): Record<ObjectKind, ListerWatcher> {
  const calls = listCalls(kubeConfig.makeApiClient(CoreV1Api), kubeConfig.makeApiClient(StorageV1Api));
  const watcher = new Watch(kubeConfig);
  const source = (kind: ObjectKind): ListerWatcher =>
    new ApiListerWatcher(calls[kind], watcher, WATCH_PATHS[kind]);
  return {
    Node: source('Node'),
    Namespace: source('Namespace'),
    PersistentVolumeClaim: source('PersistentVolumeClaim'),
    PersistentVolume: source('PersistentVolume'),
    StorageClass: source('StorageClass'),
    CSINode: source('CSINode'),
  };
}

/** Single-object GETs for cache misses. They throw ApiException (404 included), as client-node does. */
export interface LiveReader {
  readPVC(namespace: string, name: string, signal: AbortSignal): Promise<unknown>;
  readPV(name: string, signal: AbortSignal): Promise<unknown>;
  readStorageClass(name: string, signal: AbortSignal): Promise<unknown>;
}

export function apiLiveReader(kubeConfig: KubeConfig): LiveReader {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const storage = kubeConfig.makeApiClient(StorageV1Api);
  return {
    readPVC: (namespace, name, signal) =>
      core.readNamespacedPersistentVolumeClaim({ namespace, name }, withSignal(signal)),
    readPV: (name, signal) => core.readPersistentVolume({ name }, withSignal(signal)),
    readStorageClass: (name, signal) => storage.readStorageClass({ name }, withSignal(signal)),
  };
}
