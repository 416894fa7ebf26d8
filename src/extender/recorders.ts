import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { EventRecorder, PodEvent } from './events.js';

const COMPONENT = 'kube-converge';

/** With --state there is no API to write to: events go to the log. */
export class LogRecorder implements EventRecorder {
  constructor(private readonly logger: Logger) {}
  record(e: PodEvent): void {
    this.logger.warn({ pod: `${e.namespace}/${e.podName}`, reason: e.reason }, e.message);
  }
}

/**
 * Warning Events on the pod (core/v1, what `kubectl describe pod` shows). Fire and forget: an event
 * that cannot be written is logged, never allowed to slow or fail a scheduling call.
 */
export class ApiRecorder implements EventRecorder {
  private readonly api: CoreV1Api;
  constructor(
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }
  record(e: PodEvent): void {
    const t = this.now();
    const suffix = `${t.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
    this.api
      .createNamespacedEvent({
        namespace: e.namespace,
        body: {
          metadata: { name: `${e.podName}.${suffix}`, namespace: e.namespace },
          involvedObject: {
            kind: 'Pod',
            apiVersion: 'v1',
            namespace: e.namespace,
            name: e.podName,
            uid: e.podUid,
          },
          type: 'Warning',
          reason: e.reason,
          message: e.message,
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
          reportingInstance: COMPONENT,
          firstTimestamp: t,
          lastTimestamp: t,
          count: 1,
        },
      })
      .catch((err: unknown) =>
        this.logger.warn({ err, pod: `${e.namespace}/${e.podName}` }, 'could not record event'),
      );
  }
}
