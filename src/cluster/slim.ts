/**
 * Raw Kubernetes objects (as the API or a YAML file gives them) → the Slim* types of ./types.ts.
 *
 * Both cluster views go through here, so the core cannot tell its two sources apart. Nothing here
 * throws: a malformed object comes back as `{ ok: false, error }` naming every bad field, so a bad
 * state-file entry is reported and skipped instead of stopping the process. Only the fields we read
 * are copied (≤ 1 KiB per PVC/PV is the target; a whole typed PVC is ~4.3 KB, performance.md).
 * Timestamps may arrive as strings (watch events, YAML) or as `Date` objects (client-node 1.x's
 * typed list and read results deserialize them); both normalise to one ISO form.
 */
import { K8S_ANNOTATION, LABEL, parseBool } from '../contract/index.js';
import type { SlimObject } from './store.js';
import type {
  Labels,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  ObjectKind,
  SlimCSINode,
  SlimNamespace,
  SlimNode,
  SlimPV,
  SlimPVC,
  SlimStorageClass,
} from './types.js';

/** A transform's answer: the slim object, or every reason the raw one is unusable. */
export type Slimmed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** What `readObject` makes of one raw document. */
export type ReadOutcome =
  | { readonly status: 'ok'; readonly item: SlimObject }
  /** A kind (or API group) we do not read: Pods, Deployments, another group's `Node`… */
  | { readonly status: 'ignored'; readonly kind: string }
  | { readonly status: 'invalid'; readonly kind: string; readonly message: string };

/**
 * Dropped from kept annotations: kubectl's copy of the whole applied manifest, often several KB and
 * never read. (Not a contract key: it is a memory measure, so it lives here.)
 */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** kubectl puts a manifest without a namespace into the context's namespace, by default this one. */
const DEFAULT_NAMESPACE = 'default';
const EMPTY: Labels = Object.freeze({});
const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

type Raw = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Reads fields of one raw object, collecting every problem instead of stopping at the first, so a
 * report names all of them. Absent (undefined or null) optional fields are never a problem.
 */
class FieldReader {
  readonly errors: string[] = [];

  record(value: unknown, path: string, required = false): Raw {
    if (isRecord(value)) return value;
    if (value === undefined || value === null) {
      if (required) this.errors.push(`${path} is missing`);
    } else {
      this.errors.push(`${path} must be an object`);
    }
    return EMPTY;
  }

  requiredString(value: unknown, path: string): string {
    if (typeof value === 'string' && value !== '') return value;
    this.errors.push(
      value === undefined || value === null || value === ''
        ? `${path} is missing`
        : `${path} must be a string`,
    );
    return '';
  }

  optionalString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.errors.push(`${path} must be a string`);
    return undefined;
  }

  bool(value: unknown, path: string): boolean {
    if (value === undefined || value === null) return false;
    if (typeof value === 'boolean') return value;
    this.errors.push(`${path} must be true or false`);
    return false;
  }

  array(value: unknown, path: string): readonly unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value as unknown[];
    this.errors.push(`${path} must be a list`);
    return [];
  }

  /**
   * A string map (labels, annotations, parameters). Numbers and booleans are kept as their text, as
   * a YAML author who wrote `is-default-class: true` unquoted means it; objects and lists are errors.
   */
  stringMap(value: unknown, path: string, drop?: string): Labels {
    const raw = this.record(value, path);
    const keys = Object.keys(raw);
    if (keys.length === 0) return EMPTY;
    const out: Record<string, string> = {};
    for (const key of keys) {
      if (key === drop) continue;
      const v = raw[key];
      if (typeof v === 'string') out[key] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
      else if (v === null || v === undefined) out[key] = '';
      else this.errors.push(`${path}.${key} must be a string`);
    }
    return Object.keys(out).length === 0 ? EMPTY : out;
  }

  /** An RFC 3339 timestamp or a Date, as a normalised ISO string; '' when absent. */
  timestamp(value: unknown, path: string): string {
    if (value === undefined || value === null || value === '') return '';
    const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) {
      this.errors.push(`${path} is not a timestamp`);
      return '';
    }
    return new Date(ms).toISOString();
  }

  done<T>(value: T): Slimmed<T> {
    return this.errors.length === 0 ? { ok: true, value } : { ok: false, error: this.errors.join('; ') };
  }
}

/** The object and its metadata, both required. */
function topOf(f: FieldReader, raw: unknown): { readonly obj: Raw; readonly meta: Raw } {
  const obj = f.record(raw, 'object', true);
  return { obj, meta: f.record(obj['metadata'], 'metadata', true) };
}

export function slimNode(raw: unknown): Slimmed<SlimNode> {
  const f = new FieldReader();
  const { obj, meta } = topOf(f, raw);
  const name = f.requiredString(meta['name'], 'metadata.name');
  const labels = f.stringMap(meta['labels'], 'metadata.labels');
  const spec = f.record(obj['spec'], 'spec');
  const status = f.record(obj['status'], 'status');
  const conditions = f.array(status['conditions'], 'status.conditions').filter(isRecord);
  const addresses = f.array(status['addresses'], 'status.addresses').filter(isRecord);
  const addressesOf = (type: string): string[] =>
    addresses.flatMap((a) => (a['type'] === type && typeof a['address'] === 'string' ? [a['address']] : []));
  const hostname = addressesOf('Hostname')[0] ?? labels[LABEL.hostname];
  return f.done({
    name,
    labels,
    unschedulable: f.bool(spec['unschedulable'], 'spec.unschedulable'),
    ready: conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True'),
    internalIPs: addressesOf('InternalIP'),
    ...(hostname !== undefined ? { hostname } : {}),
  });
}

export function slimNamespace(raw: unknown): Slimmed<SlimNamespace> {
  const f = new FieldReader();
  const { meta } = topOf(f, raw);
  return f.done({
    name: f.requiredString(meta['name'], 'metadata.name'),
    labels: f.stringMap(meta['labels'], 'metadata.labels'),
  });
}

export function slimPVC(raw: unknown): Slimmed<SlimPVC> {
  const f = new FieldReader();
  const { obj, meta } = topOf(f, raw);
  const spec = f.record(obj['spec'], 'spec');
  const status = f.record(obj['status'], 'status');
  const uid = f.optionalString(meta['uid'], 'metadata.uid');
  return f.done({
    namespace: f.optionalString(meta['namespace'], 'metadata.namespace') || DEFAULT_NAMESPACE,
    name: f.requiredString(meta['name'], 'metadata.name'),
    ...(uid ? { uid } : {}),
    annotations: f.stringMap(meta['annotations'], 'metadata.annotations', LAST_APPLIED),
    // Absent means "the default class", "" means "no class" (contract §2): keep the difference.
    storageClassName: f.optionalString(spec['storageClassName'], 'spec.storageClassName') ?? null,
    volumeName: f.optionalString(spec['volumeName'], 'spec.volumeName') ?? '',
    phase: f.optionalString(status['phase'], 'status.phase') ?? '',
  });
}

function requirements(f: FieldReader, value: unknown, path: string): NodeSelectorRequirement[] {
  return f.array(value, path).map((item, i) => {
    const at = `${path}[${i}]`;
    const r = f.record(item, at, true);
    const operator = f.requiredString(r['operator'], `${at}.operator`);
    if (operator && !OPERATORS.has(operator))
      f.errors.push(`${at}.operator ${JSON.stringify(operator)} is unknown`);
    const values = f.array(r['values'], `${at}.values`);
    if (values.some((v) => typeof v !== 'string')) f.errors.push(`${at}.values must be strings`);
    return {
      key: f.requiredString(r['key'], `${at}.key`),
      operator: operator as NodeSelectorRequirement['operator'],
      values: values.filter((v): v is string => typeof v === 'string'),
    };
  });
}

/**
 * A PV's required node affinity. Any malformed requirement rejects the whole PV: dropping one would
 * widen where the volume may be used.
 */
function nodeAffinityOf(f: FieldReader, spec: Raw): NodeSelectorTerm[] | undefined {
  const affinity = f.record(spec['nodeAffinity'], 'spec.nodeAffinity');
  if (affinity['required'] === undefined || affinity['required'] === null) return undefined;
  const required = f.record(affinity['required'], 'spec.nodeAffinity.required');
  const path = 'spec.nodeAffinity.required.nodeSelectorTerms';
  return f.array(required['nodeSelectorTerms'], path).map((term, i) => {
    const t = f.record(term, `${path}[${i}]`, true);
    return {
      matchExpressions: requirements(f, t['matchExpressions'], `${path}[${i}].matchExpressions`),
      matchFields: requirements(f, t['matchFields'], `${path}[${i}].matchFields`),
    };
  });
}

function claimRefOf(f: FieldReader, spec: Raw): SlimPV['claimRef'] {
  if (spec['claimRef'] === undefined || spec['claimRef'] === null) return undefined;
  const ref = f.record(spec['claimRef'], 'spec.claimRef');
  const name = f.optionalString(ref['name'], 'spec.claimRef.name');
  if (!name) return undefined;
  return { namespace: f.optionalString(ref['namespace'], 'spec.claimRef.namespace') ?? '', name };
}

export function slimPV(raw: unknown): Slimmed<SlimPV> {
  const f = new FieldReader();
  const { obj, meta } = topOf(f, raw);
  const spec = f.record(obj['spec'], 'spec');
  const csi = f.record(spec['csi'], 'spec.csi');
  const portworx = f.record(spec['portworxVolume'], 'spec.portworxVolume');
  const csiDriver = f.optionalString(csi['driver'], 'spec.csi.driver');
  const csiVolumeHandle = f.optionalString(csi['volumeHandle'], 'spec.csi.volumeHandle');
  const portworxVolumeId = f.optionalString(portworx['volumeID'], 'spec.portworxVolume.volumeID');
  const claimRef = claimRefOf(f, spec);
  const nodeAffinity = nodeAffinityOf(f, spec);
  return f.done({
    name: f.requiredString(meta['name'], 'metadata.name'),
    annotations: f.stringMap(meta['annotations'], 'metadata.annotations', LAST_APPLIED),
    labels: f.stringMap(meta['labels'], 'metadata.labels'),
    ...(csiDriver !== undefined ? { csiDriver } : {}),
    ...(csiVolumeHandle !== undefined ? { csiVolumeHandle } : {}),
    ...(portworxVolumeId !== undefined ? { portworxVolumeId } : {}),
    storageClassName: f.optionalString(spec['storageClassName'], 'spec.storageClassName') ?? '',
    ...(claimRef ? { claimRef } : {}),
    ...(nodeAffinity ? { nodeAffinity } : {}),
  });
}

function bindingModeOf(f: FieldReader, value: unknown): SlimStorageClass['volumeBindingMode'] {
  const mode = f.optionalString(value, 'volumeBindingMode');
  if (mode === undefined || mode === '' || mode === 'Immediate') return 'Immediate';
  if (mode === 'WaitForFirstConsumer') return mode;
  f.errors.push(`volumeBindingMode ${JSON.stringify(mode)} is unknown`);
  return 'Immediate';
}

export function slimStorageClass(raw: unknown): Slimmed<SlimStorageClass> {
  const f = new FieldReader();
  const { obj, meta } = topOf(f, raw);
  const annotations = f.record(meta['annotations'], 'metadata.annotations');
  const annotated = (key: string): boolean => {
    const v = annotations[key];
    return parseBool(typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : undefined) === true;
  };
  return f.done({
    name: f.requiredString(meta['name'], 'metadata.name'),
    provisioner: f.requiredString(obj['provisioner'], 'provisioner'),
    parameters: f.stringMap(obj['parameters'], 'parameters'),
    volumeBindingMode: bindingModeOf(f, obj['volumeBindingMode']),
    // Either key marks a default, as in Kubernetes' storageutil.IsDefaultAnnotation.
    isDefault: annotated(K8S_ANNOTATION.isDefaultClass) || annotated(K8S_ANNOTATION.betaIsDefaultClass),
    creationTimestamp: f.timestamp(meta['creationTimestamp'], 'metadata.creationTimestamp'),
  });
}

export function slimCSINode(raw: unknown): Slimmed<SlimCSINode> {
  const f = new FieldReader();
  const { obj, meta } = topOf(f, raw);
  const spec = f.record(obj['spec'], 'spec');
  const drivers = f
    .array(spec['drivers'], 'spec.drivers')
    .map((d, i) =>
      f.requiredString(f.record(d, `spec.drivers[${i}]`, true)['name'], `spec.drivers[${i}].name`),
    );
  return f.done({ name: f.requiredString(meta['name'], 'metadata.name'), drivers });
}

/** Where each kind lives: its API group version, and its transform. */
const KINDS: Readonly<
  Record<ObjectKind, { readonly apiVersion: string; readonly slim: (raw: unknown) => Slimmed<SlimObject> }>
> = {
  Node: { apiVersion: 'v1', slim: (raw) => tag('Node', slimNode(raw)) },
  Namespace: { apiVersion: 'v1', slim: (raw) => tag('Namespace', slimNamespace(raw)) },
  PersistentVolumeClaim: { apiVersion: 'v1', slim: (raw) => tag('PersistentVolumeClaim', slimPVC(raw)) },
  PersistentVolume: { apiVersion: 'v1', slim: (raw) => tag('PersistentVolume', slimPV(raw)) },
  StorageClass: {
    apiVersion: 'storage.k8s.io/v1',
    slim: (raw) => tag('StorageClass', slimStorageClass(raw)),
  },
  CSINode: { apiVersion: 'storage.k8s.io/v1', slim: (raw) => tag('CSINode', slimCSINode(raw)) },
};

function tag<K extends SlimObject['kind']>(
  kind: K,
  result: Slimmed<Extract<SlimObject, { kind: K }>['obj']>,
): Slimmed<SlimObject> {
  return result.ok ? { ok: true, value: { kind, obj: result.value } as SlimObject } : result;
}

export function isObjectKind(kind: unknown): kind is ObjectKind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(KINDS, kind);
}

/** Transforms an object already known to be of `kind` (list items carry no kind of their own). */
export function slimAs(kind: ObjectKind, raw: unknown): Slimmed<SlimObject> {
  return KINDS[kind].slim(raw);
}

/**
 * Classifies one raw document by `kind` and `apiVersion`. A missing apiVersion is accepted (a
 * hand-written state file); another group's kind of the same name (e.g. Rancher's
 * `management.cattle.io/v3` Node) is ignored, not misread.
 */
export function readObject(raw: unknown): ReadOutcome {
  const kind = isRecord(raw) ? raw['kind'] : undefined;
  if (typeof kind !== 'string' || kind === '') {
    return { status: 'invalid', kind: '', message: 'not a Kubernetes object: no kind' };
  }
  if (!isObjectKind(kind)) return { status: 'ignored', kind };
  const apiVersion = (raw as Raw)['apiVersion'];
  if (apiVersion !== undefined && apiVersion !== KINDS[kind].apiVersion) return { status: 'ignored', kind };
  const result = KINDS[kind].slim(raw);
  return result.ok
    ? { status: 'ok', item: result.value }
    : { status: 'invalid', kind, message: result.error };
}

/** The slim object, or undefined when the raw one is of another kind or malformed. */
export function slimObject(raw: unknown): SlimObject | undefined {
  const outcome = readObject(raw);
  return outcome.status === 'ok' ? outcome.item : undefined;
}

/**
 * The store key of a raw object of `kind` from its metadata alone: what a watch DELETED event needs,
 * even when the rest of the object would not transform.
 */
export function rawKey(kind: ObjectKind, raw: unknown): string | undefined {
  const meta = isRecord(raw) ? raw['metadata'] : undefined;
  const name = isRecord(meta) ? meta['name'] : undefined;
  if (typeof name !== 'string' || name === '') return undefined;
  if (kind !== 'PersistentVolumeClaim') return name;
  const ns =
    isRecord(meta) && typeof meta['namespace'] === 'string' && meta['namespace']
      ? meta['namespace']
      : DEFAULT_NAMESPACE;
  return `${ns}/${name}`;
}
