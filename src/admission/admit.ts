import { warm, type WarmRequest } from '../cluster/overlay.js';
import type { ClusterView } from '../cluster/view.js';
import { claimNames } from '../resolution/resolve.js';
import { decide, type Decision, type MutationConfig, type MutationRequest } from './decide.js';
import { allowed, patched, review } from './respond.js';
import type { AdmissionReviewIn, AdmissionReviewOut } from './review.js';
import { readWorkload, workloadKind } from './workload.js';

export interface Admitted {
  readonly out: AdmissionReviewOut;
  readonly decision: Decision;
  /** Live API reads the cache misses of this request cost. */
  readonly liveReads: number;
}

/** The claims and named classes a request's workload needs in the cache before the pure decision. */
export function warmRequestFor(req: MutationRequest): WarmRequest | undefined {
  const kind = workloadKind(req.kind);
  if (!kind || !kind.operations.includes(req.operation)) return undefined;
  const w = readWorkload(req.object, kind);
  const classes = new Set<string>();
  for (const t of w.claimTemplates) if (t.spec?.storageClassName) classes.add(t.spec.storageClassName);
  for (const v of w.volumes) {
    const cls = v.ephemeral?.volumeClaimTemplate?.spec?.storageClassName;
    if (cls) classes.add(cls);
  }
  return {
    namespace: w.namespace ?? req.namespace ?? '',
    claims: claimNames(w.volumes),
    classes: [...classes],
  };
}

/**
 * One review in, one review out: warm the cache for the claims the object names (the one live read
 * per miss), decide purely, answer in the request's version. dryRun needs no special case: the
 * webhook has no side effects.
 */
export async function admit(
  input: AdmissionReviewIn,
  view: ClusterView,
  config: MutationConfig,
): Promise<Admitted> {
  const req = input.request;
  const mreq: MutationRequest = {
    kind: req.kind,
    operation: req.operation,
    namespace: req.namespace,
    subResource: req.subResource,
    object: req.object,
  };
  const need = warmRequestFor(mreq);
  const { reader, liveReads } = need ? await warm(view, need) : { reader: view, liveReads: 0 };
  const decision = decide(mreq, reader, config);
  const text = `${decision.outcome}: ${decision.reason}`;
  const response =
    decision.patch.length > 0
      ? patched(req.uid, decision.patch, text, decision.warnings)
      : allowed(req.uid, text, decision.warnings);
  return { out: review(input.apiVersion, response), decision, liveReads };
}
