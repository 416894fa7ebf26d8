import type { ClaimTemplate, PodVolume } from '../resolution/types.js';
import type { GroupVersionKind, Operation } from './review.js';

/**
 * Contract §3: the kinds we mutate, the operations we act on and where schedulerName lives.
 * DaemonSets are deliberately absent: their pods are pinned per node.
 */
export interface WorkloadKind {
  readonly group: string;
  readonly kind: string;
  readonly operations: readonly Operation[];
  /** Path segments from the object root to the pod template ([] for a Pod: the object is the pod). */
  readonly templatePath: readonly string[];
}

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  { group: '', kind: 'Pod', operations: ['CREATE'], templatePath: [] },
  { group: 'apps', kind: 'Deployment', operations: ['CREATE', 'UPDATE'], templatePath: ['spec', 'template'] },
  {
    group: 'apps',
    kind: 'StatefulSet',
    operations: ['CREATE', 'UPDATE'],
    templatePath: ['spec', 'template'],
  },
  { group: 'apps', kind: 'ReplicaSet', operations: ['CREATE', 'UPDATE'], templatePath: ['spec', 'template'] },
  { group: 'batch', kind: 'Job', operations: ['CREATE', 'UPDATE'], templatePath: ['spec', 'template'] },
  {
    group: 'batch',
    kind: 'CronJob',
    operations: ['CREATE', 'UPDATE'],
    templatePath: ['spec', 'jobTemplate', 'spec', 'template'],
  },
];

export function workloadKind(gvk: Pick<GroupVersionKind, 'group' | 'kind'>): WorkloadKind | undefined {
  return WORKLOAD_KINDS.find((w) => w.kind === gvk.kind && w.group === gvk.group);
}

/** JSON Pointer (RFC 6901) of the pod spec's schedulerName for a kind. */
export function schedulerNamePath(kind: WorkloadKind): string {
  return '/' + [...kind.templatePath, 'spec', 'schedulerName'].join('/');
}

type Json = Record<string, unknown>;
function rec(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}
function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const r = rec(v);
  if (!r) return out;
  for (const [k, val] of Object.entries(r)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** What the decision reads of a workload object, read defensively from untrusted JSON. */
export interface WorkloadView {
  readonly name: string;
  readonly namespace?: string;
  readonly annotations: Record<string, string>;
  readonly templateAnnotations: Record<string, string>;
  /** The pod spec exists as an object (a patch under it can apply). */
  readonly hasPodSpec: boolean;
  /** undefined: the field is absent; otherwise its value (a non-string counts as absent). */
  readonly schedulerName?: string;
  readonly volumes: PodVolume[];
  /** StatefulSet spec.volumeClaimTemplates. */
  readonly claimTemplates: ClaimTemplate[];
  /** Kind of the controlling owner (ownerReferences[controller=true]), e.g. DaemonSet. */
  readonly controllerKind?: string;
}

function controllerKindOf(meta: Json): string | undefined {
  const refs = Array.isArray(meta.ownerReferences) ? meta.ownerReferences : [];
  for (const ref of refs) {
    const r = rec(ref);
    if (r?.controller === true && typeof r.kind === 'string') return r.kind;
  }
  return undefined;
}

function objects<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v.filter((x) => rec(x) !== undefined) as T[]) : [];
}

function nameOf(meta: Json): string {
  if (typeof meta.name === 'string') return meta.name;
  return typeof meta.generateName === 'string' ? `${meta.generateName}*` : '';
}

function templateOf(root: Json, kind: WorkloadKind): Json | undefined {
  let template: Json | undefined = root;
  for (const seg of kind.templatePath) template = rec(template?.[seg]);
  return template;
}

export function readWorkload(object: unknown, kind: WorkloadKind): WorkloadView {
  const root = rec(object) ?? {};
  const meta = rec(root.metadata) ?? {};
  const template = templateOf(root, kind);
  const podSpec = rec(template?.spec);
  const isPod = kind.templatePath.length === 0;
  const templates =
    kind.kind === 'StatefulSet' ? objects<ClaimTemplate>(rec(root.spec)?.volumeClaimTemplates) : [];
  return {
    name: nameOf(meta),
    namespace: typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined,
    annotations: stringMap(meta.annotations),
    templateAnnotations: isPod ? {} : stringMap(rec(template?.metadata)?.annotations),
    hasPodSpec: podSpec !== undefined,
    schedulerName: typeof podSpec?.schedulerName === 'string' ? podSpec.schedulerName : undefined,
    volumes: objects<PodVolume>(podSpec?.volumes).map(sanitizeVolume),
    claimTemplates: templates.map(sanitizeTemplate),
    controllerKind: controllerKindOf(meta),
  };
}

/** Keeps only well-typed fields of a volume so resolution never meets a wrong type. */
function sanitizeVolume(v: PodVolume): PodVolume {
  const raw = v as unknown as Json;
  const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
  const pvc = rec(raw.persistentVolumeClaim);
  const eph = rec(raw.ephemeral);
  const csi = rec(raw.csi);
  const pxv = rec(raw.portworxVolume);
  const claimSpec = rec(rec(eph?.volumeClaimTemplate)?.spec);
  const cls = claimSpec?.storageClassName;
  return {
    name: str(raw.name),
    persistentVolumeClaim: pvc ? { claimName: str(pvc.claimName) } : undefined,
    ephemeral: eph
      ? { volumeClaimTemplate: { spec: { storageClassName: typeof cls === 'string' ? cls : null } } }
      : undefined,
    csi: csi ? { driver: str(csi.driver) } : undefined,
    portworxVolume: pxv ? { volumeID: str(pxv.volumeID) } : undefined,
  };
}

function sanitizeTemplate(t: ClaimTemplate): ClaimTemplate {
  const raw = t as unknown as Json;
  const meta = rec(raw.metadata);
  const cls = rec(raw.spec)?.storageClassName;
  return {
    metadata: {
      name: typeof meta?.name === 'string' ? meta.name : undefined,
      annotations: stringMap(meta?.annotations),
    },
    spec: { storageClassName: typeof cls === 'string' ? cls : null },
  };
}
