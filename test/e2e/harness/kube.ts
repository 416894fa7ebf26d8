/**
 * The tests' side of the API: @kubernetes/client-node clients from the admin kubeconfig, and waits on
 * real outcomes (spec.nodeName, the PodScheduled condition, events).
 */
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  StorageV1Api,
  setHeaderOptions,
  type CoreV1Event,
  type KubernetesObject,
  type V1Pod,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';
import { until } from './util.js';

export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class Kube {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly storage: StorageV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly objects: KubernetesObjectApi;

  constructor(readonly kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.storage = kc.makeApiClient(StorageV1Api);
    this.admission = kc.makeApiClient(AdmissionregistrationV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  static fromFile(file: string): Kube {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    return new Kube(kc);
  }

  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name, labels } } });
  }

  async pod(namespace: string, name: string): Promise<V1Pod> {
    return this.core.readNamespacedPod({ namespace, name });
  }

  async createPod(pod: V1Pod): Promise<V1Pod> {
    return this.core.createNamespacedPod({ namespace: pod.metadata?.namespace ?? 'default', body: pod });
  }

  async pods(namespace: string, labelSelector?: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) }))
      .items;
  }

  /** Force-deletes (grace 0): with no kubelet, a bound pod would otherwise never finish terminating. */
  async deletePod(namespace: string, name: string): Promise<void> {
    await this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
  }

  async setUnschedulable(node: string, unschedulable: boolean): Promise<void> {
    await this.core.patchNode({ name: node, body: { spec: { unschedulable } } }, MERGE_PATCH);
  }

  async labelNode(node: string, labels: Record<string, string | null>): Promise<void> {
    await this.core.patchNode({ name: node, body: { metadata: { labels } } }, MERGE_PATCH);
  }

  /** Events about one object, oldest first. */
  async events(namespace: string, name: string): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items.sort(
      (a, b) => eventTime(a) - eventTime(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
  }

  /** Applies raw objects (create; for `make demo`). */
  async create(obj: KubernetesObject): Promise<KubernetesObject> {
    return this.objects.create(obj);
  }
}

function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

export function podScheduledCondition(pod: V1Pod): { status: string; reason?: string; message?: string } {
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return { status: c?.status ?? 'Unknown', reason: c?.reason, message: c?.message };
}

/** Waits until the scheduler has bound the pod (spec.nodeName set and PodScheduled=True). */
export async function waitScheduled(
  kube: Kube,
  namespace: string,
  name: string,
  timeoutMs = 30_000,
): Promise<V1Pod> {
  return until(
    `pod ${namespace}/${name} is scheduled`,
    async () => {
      const pod = await kube.pod(namespace, name);
      return pod.spec?.nodeName && podScheduledCondition(pod).status === 'True' ? pod : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** Waits for an event about `name` with `reason` whose message passes `match`; returns it. */
export async function waitEvent(
  kube: Kube,
  namespace: string,
  name: string,
  reason: string,
  match: (message: string) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<CoreV1Event> {
  return until(
    `an event ${reason} about ${namespace}/${name}`,
    async () =>
      (await kube.events(namespace, name)).find((e) => e.reason === reason && match(e.message ?? '')),
    { timeoutMs, intervalMs: 250 },
  );
}

/** Waits until the PV controller has bound the claim (status.phase Bound). */
export async function waitClaimBound(
  kube: Kube,
  namespace: string,
  name: string,
  timeoutMs = 30_000,
): Promise<V1PersistentVolumeClaim> {
  return until(
    `PVC ${namespace}/${name} is Bound`,
    async () => {
      const pvc = await kube.core.readNamespacedPersistentVolumeClaim({ namespace, name });
      return pvc.status?.phase === 'Bound' ? pvc : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}
