/**
 * The slim Pod the convergence tracker keeps: only what placement needs. A whole typed Pod is
 * ~9.6 KB in memory (performance.md); this is a few hundred bytes, and pods without a claim are
 * dropped by the tracker altogether.
 */
import type { Slimmed } from '../cluster/slim.js';

/** A pod volume backed by a PVC. */
export interface PodClaim {
  /** The pod's volume name (the key placements are stored under). */
  readonly volume: string;
  readonly claim: string;
}

export interface SlimPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** spec.nodeName; '' while unscheduled. */
  readonly nodeName: string;
  /** status.phase; '' when the status is absent. */
  readonly phase: string;
  readonly schedulerName: string;
  /** metadata.deletionTimestamp is set: the pod is going away (Stork stops counting it then). */
  readonly terminating: boolean;
  readonly claims: readonly PodClaim[];
}

type Raw = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Where a generic ephemeral volume's PVC is: `<pod name>-<volume name>`, in the pod's namespace (KEP-1698). */
function claimOf(podName: string, volume: Raw): PodClaim | undefined {
  const name = text(volume['name']);
  if (name === '') return undefined;
  const pvc = volume['persistentVolumeClaim'];
  if (isRecord(pvc)) {
    const claim = text(pvc['claimName']);
    return claim === '' ? undefined : { volume: name, claim };
  }
  if (isRecord(volume['ephemeral'])) return { volume: name, claim: `${podName}-${name}` };
  return undefined;
}

/** namespace/name: pods are tracked by name, as the API keys them. */
export function podKey(pod: Pick<SlimPod, 'namespace' | 'name'>): string {
  return `${pod.namespace}/${pod.name}`;
}

/** The key of a raw Pod from its metadata alone (what a DELETED event needs). */
export function rawPodKey(raw: unknown): string | undefined {
  const meta = isRecord(raw) ? raw['metadata'] : undefined;
  if (!isRecord(meta)) return undefined;
  const name = text(meta['name']);
  const namespace = text(meta['namespace']);
  return name === '' || namespace === '' ? undefined : podKey({ namespace, name });
}

/** A raw Pod (list item or watch event object) → SlimPod; a Pod without name or namespace is an error. */
export function slimPod(raw: unknown): Slimmed<SlimPod> {
  if (!isRecord(raw)) return { ok: false, error: 'object is not a Pod' };
  const meta = isRecord(raw['metadata']) ? raw['metadata'] : {};
  const spec = isRecord(raw['spec']) ? raw['spec'] : {};
  const status = isRecord(raw['status']) ? raw['status'] : {};
  const name = text(meta['name']);
  const namespace = text(meta['namespace']);
  if (name === '' || namespace === '')
    return { ok: false, error: 'metadata.name and metadata.namespace are required' };
  const volumes = Array.isArray(spec['volumes']) ? (spec['volumes'] as unknown[]) : [];
  const deletion = meta['deletionTimestamp'];
  return {
    ok: true,
    value: {
      namespace,
      name,
      uid: text(meta['uid']),
      nodeName: text(spec['nodeName']),
      phase: text(status['phase']),
      schedulerName: text(spec['schedulerName']),
      terminating: deletion !== undefined && deletion !== null && deletion !== '',
      claims: volumes.flatMap((v) => {
        const claim = isRecord(v) ? claimOf(name, v) : undefined;
        return claim ? [claim] : [];
      }),
    },
  };
}

/** Counted by the gauges: placed, running, not going away, with at least one claim. */
export function isCounted(pod: SlimPod): boolean {
  return pod.nodeName !== '' && pod.phase === 'Running' && !pod.terminating && pod.claims.length > 0;
}
