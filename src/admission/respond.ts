import { ANNOTATION } from '../contract/index.js';
import type { AdmissionApiVersion, AdmissionResponse, AdmissionReviewOut, PatchOp } from './review.js';

/**
 * The webhook's named response builders (after controller-runtime's admission/response.go). Every
 * response echoes the request UID and allows: kube-converge never blocks a workload (contract §3).
 *
 * auditAnnotations keys are bare (`decision`): kube-apiserver prefixes each with the webhook's name
 * (`webhook.kube-converge.io/decision`) and drops keys that then are not a valid qualified name, so a
 * key spelled `kube-converge.io/decision` would be lost.
 */
function audit(decision: string): Record<string, string> {
  return { [ANNOTATION.decision]: decision };
}

export function allowed(uid: string, decision: string, warnings: readonly string[] = []): AdmissionResponse {
  return {
    uid,
    allowed: true,
    auditAnnotations: audit(decision),
    ...(warnings.length > 0 ? { warnings: [...warnings] } : {}),
  };
}

export function patched(
  uid: string,
  ops: readonly PatchOp[],
  decision: string,
  warnings: readonly string[] = [],
): AdmissionResponse {
  return {
    ...allowed(uid, decision, warnings),
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
  };
}

/**
 * An answer for a request we could not evaluate (an internal failure): still allowed, with the
 * reason in a warning and the audit log, so a webhook fault never becomes a cluster outage.
 */
export function errored(uid: string, message: string): AdmissionResponse {
  return allowed(uid, `error: ${message}`, [`kube-converge: not evaluated: ${message}`]);
}

/** Wraps a response in the review version the request came in. */
export function review(apiVersion: AdmissionApiVersion, response: AdmissionResponse): AdmissionReviewOut {
  return { apiVersion, kind: 'AdmissionReview', response };
}
