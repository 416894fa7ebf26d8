import {
  ANNOTATION,
  KUBERNETES_DEFAULT_SCHEDULER,
  LABEL,
  annotationSetting,
  parseBool,
} from '../contract/index.js';
import type { ClusterReader } from '../cluster/view.js';
import type { Config } from '../config/config.js';
import { resolveClaimTemplates, resolvePodVolumes } from '../resolution/resolve.js';
import type { ResolvedVolume } from '../resolution/types.js';
import type { GroupVersionKind, Operation, PatchOp } from './review.js';
import {
  readWorkload,
  schedulerNamePath,
  workloadKind,
  type WorkloadKind,
  type WorkloadView,
} from './workload.js';

/** What the mutation needs to know of the configuration (parsed once, see src/config). */
export interface MutationConfig {
  /** The convergence scheduler's name written into pods. */
  readonly schedulerName: string;
  readonly provisioners: ReadonlySet<string>;
  /** Explicit scheduler names the webhook may replace (contract §3 rule 3). */
  readonly overrideSchedulers: ReadonlySet<string>;
}

/** The mutation's part of the validated configuration. */
export function mutationConfig(
  config: Pick<Config, 'schedulerName' | 'provisioners' | 'overrideSchedulers'>,
): MutationConfig {
  return {
    schedulerName: config.schedulerName,
    provisioners: new Set(config.provisioners),
    overrideSchedulers: new Set(config.overrideSchedulers),
  };
}

export interface MutationRequest {
  readonly kind: GroupVersionKind;
  readonly operation: Operation;
  /** The review's namespace: used when the object itself names none (pods of controllers). */
  readonly namespace?: string;
  readonly subResource?: string;
  readonly object: unknown;
}

export type Outcome =
  | 'patched'
  | 'already-set'
  | 'explicit-scheduler'
  | 'opted-out'
  | 'namespace-opted-out'
  | 'no-managed-volume'
  | 'unknown-volume'
  | 'unsupported-kind'
  | 'daemonset-pod'
  | 'unsupported-operation'
  | 'no-pod-spec';

export interface Decision {
  readonly outcome: Outcome;
  /** One line, for auditAnnotations, logs and `mutate --explain`. */
  readonly reason: string;
  readonly patch: readonly PatchOp[];
  /** Admission warnings shown to the user (kubectl prints them). */
  readonly warnings: readonly string[];
  readonly volumes: readonly ResolvedVolume[];
  /** "Kind namespace/name" for logs. */
  readonly subject: string;
}

function verdict(
  outcome: Outcome,
  reason: string,
  subject: string,
  extra: Partial<Pick<Decision, 'patch' | 'warnings' | 'volumes'>> = {},
): Decision {
  return {
    outcome,
    reason,
    subject,
    patch: extra.patch ?? [],
    warnings: extra.warnings ?? [],
    volumes: extra.volumes ?? [],
  };
}

function describe(v: ResolvedVolume): string {
  const what = v.claim ? `PVC ${v.claim.namespace}/${v.claim.name}` : `volume ${v.volume}`;
  return `${what} (${v.via}${v.provisioner ? ` = ${v.provisioner}` : ''})`;
}

/**
 * The mutation decision, contract §3–4. Pure: the object, the cache-only cluster reader and the
 * configuration in, a decision with its JSON Patch out. Re-invocation is a no-op (empty patch) because
 * an object already carrying the target name is left alone.
 */
export function decide(req: MutationRequest, reader: ClusterReader, config: MutationConfig): Decision {
  const kind = workloadKind(req.kind);
  const kindName = req.kind.kind;
  if (!kind) {
    const subject = `${kindName} ${objectName(req.object, req.namespace)}`.trim();
    return verdict('unsupported-kind', `${kindName} is not a kind kube-converge mutates`, subject);
  }
  const w = readWorkload(req.object, kind);
  const namespace = w.namespace ?? req.namespace ?? '';
  const subject = `${kindName} ${namespace ? `${namespace}/` : ''}${w.name}`;
  if (!kind.operations.includes(req.operation) || req.subResource) {
    const op = req.subResource ? `${req.operation} of subresource ${req.subResource}` : req.operation;
    return verdict('unsupported-operation', `${op} of a ${kindName} is not mutated`, subject);
  }
  if (!w.hasPodSpec) return verdict('no-pod-spec', `${kindName} has no pod spec to patch`, subject);
  // Contract §3: DaemonSets are left alone because their pods are pinned per node; their pods arrive
  // as Pod CREATEs of their own and must be left alone too.
  if (w.controllerKind === 'DaemonSet') {
    return verdict('daemonset-pod', 'pods of a DaemonSet are pinned per node and not mutated', subject);
  }
  const optOut = optedOut(w, namespace, reader);
  if (optOut) return verdict(optOut.outcome, optOut.reason, subject);

  const volumes = [
    ...resolvePodVolumes(w.volumes, namespace, reader, config),
    ...resolveClaimTemplates(w.claimTemplates, reader, config),
  ];
  const warnings = volumes
    .filter((v) => v.unknown)
    .map((v) => `kube-converge: ${v.via}; scheduling of ${subject} is not storage-aware`);
  const managed = volumes.filter((v) => v.managed);
  if (managed.length === 0) {
    return warnings.length > 0
      ? verdict('unknown-volume', `no managed volume known: ${warnings.length} claim(s) not found`, subject, {
          warnings,
          volumes,
        })
      : verdict('no-managed-volume', 'no volume uses a managed provisioner', subject, { volumes });
  }
  return schedulerVerdict(w.schedulerName, kind, config, subject, managed, { warnings, volumes });
}

/** Contract §3 rules 3-4: keep an explicit choice, no-op when already ours, else patch. */
function schedulerVerdict(
  current: string | undefined,
  kind: WorkloadKind,
  config: MutationConfig,
  subject: string,
  managed: readonly ResolvedVolume[],
  extra: Pick<Decision, 'warnings' | 'volumes'>,
): Decision {
  if (current === config.schedulerName) {
    return verdict('already-set', `schedulerName is already ${current}`, subject, extra);
  }
  const replaceable =
    current === undefined ||
    current === '' ||
    current === KUBERNETES_DEFAULT_SCHEDULER ||
    config.overrideSchedulers.has(current);
  if (!replaceable) {
    return verdict(
      'explicit-scheduler',
      `schedulerName ${current} was chosen explicitly and is kept`,
      subject,
      extra,
    );
  }
  const patch: PatchOp[] = [{ op: 'add', path: schedulerNamePath(kind), value: config.schedulerName }];
  const why = `managed storage: ${managed.map(describe).join(', ')}`;
  return verdict('patched', `schedulerName set to ${config.schedulerName}: ${why}`, subject, {
    ...extra,
    patch,
  });
}

/** "namespace/name" of any object, for logs; '' when it has none. */
function objectName(object: unknown, fallbackNamespace: string | undefined): string {
  const meta = (object as { metadata?: { name?: unknown; namespace?: unknown } } | undefined)?.metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '';
  const ns = typeof meta?.namespace === 'string' ? meta.namespace : (fallbackNamespace ?? '');
  return name ? `${ns ? `${ns}/` : ''}${name}` : '';
}

function optedOut(
  w: WorkloadView,
  namespace: string,
  reader: ClusterReader,
): { outcome: Outcome; reason: string } | undefined {
  const name = ANNOTATION.disableAdmissionController;
  const own = annotationSetting(w.annotations, name);
  if (own?.value === true) return { outcome: 'opted-out', reason: `annotation ${own.key} is true` };
  const template = annotationSetting(w.templateAnnotations, name);
  if (template?.value === true) {
    return { outcome: 'opted-out', reason: `pod template annotation ${template.key} is true` };
  }
  // The chart's namespaceSelector normally keeps these away; the label is also honoured here so the
  // CLI and a configuration without the selector agree with the cluster.
  const ns = namespace ? reader.namespace(namespace) : undefined;
  if (ns && parseBool(ns.labels[LABEL.disableAdmissionController]) === true) {
    return {
      outcome: 'namespace-opted-out',
      reason: `namespace ${namespace} is labelled ${LABEL.disableAdmissionController}=true`,
    };
  }
  return undefined;
}
