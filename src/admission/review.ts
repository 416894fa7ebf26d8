/**
 * The AdmissionReview envelope we speak, v1 and v1beta1 (identical in the fields we use).
 * Upstream: k8s.io/api/admission/v1/types.go (AdmissionReview, AdmissionRequest, AdmissionResponse).
 * Owned here rather than taken from @kubernetes/client-node: the webhook must accept both versions
 * and untrusted JSON, and answer in the version it was asked in.
 */

export const ADMISSION_V1 = 'admission.k8s.io/v1';
export const ADMISSION_V1BETA1 = 'admission.k8s.io/v1beta1';
export type AdmissionApiVersion = typeof ADMISSION_V1 | typeof ADMISSION_V1BETA1;

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The request fields we read. `object` is the untrusted workload JSON. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly operation: Operation;
  readonly namespace?: string;
  readonly name?: string;
  readonly subResource?: string;
  readonly dryRun?: boolean;
  readonly object?: unknown;
}

export interface AdmissionReviewIn {
  readonly apiVersion: AdmissionApiVersion;
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

/** One RFC 6902 operation; the webhook only ever writes `add` (correct whether the field exists or not). */
export interface PatchOp {
  readonly op: 'add';
  readonly path: string;
  readonly value: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch document. */
  patch?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  status?: { code: number; message: string };
}

export interface AdmissionReviewOut {
  apiVersion: AdmissionApiVersion;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}
