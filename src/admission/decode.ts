import { ADMISSION_V1, ADMISSION_V1BETA1, type AdmissionReviewIn, type Operation } from './review.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks an already-parsed body is an AdmissionReview we can answer, and names the first problem
 * when it is not (contract §7: a malformed review gets a 400 naming it). The embedded `object` is
 * checked later, field by field, by the workload reader: a strange workload is admitted, not refused.
 */
export function decodeReview(body: unknown): Decoded<AdmissionReviewIn> {
  if (!isRecord(body)) return { ok: false, problem: 'body is not a JSON object' };
  const { apiVersion, kind, request } = body;
  if (kind !== 'AdmissionReview')
    return { ok: false, problem: `kind is ${JSON.stringify(kind)}, want "AdmissionReview"` };
  if (apiVersion !== ADMISSION_V1 && apiVersion !== ADMISSION_V1BETA1) {
    return {
      ok: false,
      problem: `apiVersion ${JSON.stringify(apiVersion)} is not ${ADMISSION_V1} or ${ADMISSION_V1BETA1}`,
    };
  }
  if (!isRecord(request)) return { ok: false, problem: 'request is missing or not an object' };
  const problem = requestProblem(request);
  if (problem) return { ok: false, problem };
  const gvk = request.kind as Record<string, string>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    ok: true,
    value: {
      apiVersion,
      kind: 'AdmissionReview',
      request: {
        uid: request.uid as string,
        kind: { group: str(gvk.group) ?? '', version: gvk.version ?? '', kind: gvk.kind ?? '' },
        operation: request.operation as Operation,
        namespace: str(request.namespace),
        name: str(request.name),
        subResource: str(request.subResource),
        dryRun: request.dryRun === true,
        object: request.object ?? undefined,
      },
    },
  };
}

function isGroupVersionKind(gvk: unknown): boolean {
  return (
    isRecord(gvk) &&
    typeof gvk.kind === 'string' &&
    typeof gvk.version === 'string' &&
    (gvk.group === undefined || gvk.group === null || typeof gvk.group === 'string')
  );
}

/** The first thing wrong with an AdmissionRequest's fields, or undefined. */
function requestProblem(request: Record<string, unknown>): string | undefined {
  if (typeof request.uid !== 'string' || request.uid === '')
    return 'request.uid is missing or not a non-empty string';
  if (!isGroupVersionKind(request.kind))
    return 'request.kind must be an object with string group, version and kind';
  if (typeof request.operation !== 'string' || !OPERATIONS.includes(request.operation)) {
    return `request.operation ${JSON.stringify(request.operation)} is not one of ${OPERATIONS.join(', ')}`;
  }
  for (const field of ['namespace', 'name', 'subResource'] as const) {
    const v = request[field];
    if (v !== undefined && v !== null && typeof v !== 'string') return `request.${field} must be a string`;
  }
  if (request.object !== undefined && request.object !== null && !isRecord(request.object)) {
    return 'request.object must be an object';
  }
  return undefined;
}

/** The UID of a body that failed decoding, when one can be found, so even an error echoes it. */
export function salvageUid(body: unknown): string {
  if (isRecord(body) && isRecord(body.request) && typeof body.request.uid === 'string')
    return body.request.uid;
  return '';
}
