import { CoreV1Api, Watch, type KubeConfig } from '@kubernetes/client-node';
import { withSignal } from '../cluster/informer/api-source.js';
import type {
  ListerWatcher,
  ListOptions,
  ListPage,
  WatchHandle,
  WatchRequest,
} from '../cluster/informer/source.js';

/**
 * Only scheduled pods: the API server filters (field selectors on spec.nodeName are indexed for
 * pods, kubelets watch the same way), so unscheduled and pending-scheduling pods never reach us.
 */
export const SCHEDULED_PODS = 'spec.nodeName!=';

const PODS_PATH = '/api/v1/pods';

/**
 * Pods of every namespace through @kubernetes/client-node, as the ListerWatcher the pod reflector
 * drives. RBAC: list and watch on pods, cluster-wide.
 */
export function apiPodSource(kubeConfig: KubeConfig): ListerWatcher {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watcher = new Watch(kubeConfig);
  return {
    async list(options: ListOptions): Promise<ListPage> {
      const list = await core.listPodForAllNamespaces(
        {
          fieldSelector: SCHEDULED_PODS,
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          ...(options.continueToken !== undefined ? { _continue: options.continueToken } : {}),
        },
        withSignal(options.signal),
      );
      const continueToken = list.metadata?._continue;
      return {
        items: list.items,
        resourceVersion: list.metadata?.resourceVersion ?? '',
        ...(continueToken ? { continueToken } : {}),
      };
    },
    async watch(request: WatchRequest): Promise<WatchHandle> {
      const controller = await watcher.watch(
        PODS_PATH,
        {
          resourceVersion: request.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: request.timeoutSeconds,
          fieldSelector: SCHEDULED_PODS,
        },
        (type: string, object: unknown) => request.onEvent(type, object),
        (err: unknown) => request.onDone(err),
      );
      return { abort: () => controller.abort() };
    },
  };
}
