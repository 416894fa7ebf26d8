import { bundleContains, bundlePem, mergeCaBundle, readCaBundle, type CaCertificate } from './pem.js';

/** What we read of our MutatingWebhookConfiguration: its version and each webhook's caBundle. */
export interface WebhookCaState {
  readonly resourceVersion: string;
  readonly webhooks: readonly {
    readonly name: string;
    /** base64 of the PEM bundle, as the API returns `[]byte`; absent when unset. */
    readonly caBundle?: string;
  }[];
}

/** One RFC 6902 operation; only the two we send. */
export type JsonPatchOp =
  | { readonly op: 'replace'; readonly path: string; readonly value: string }
  | { readonly op: 'add'; readonly path: string; readonly value: string };

function decodeBundle(base64: string | undefined): CaCertificate[] {
  return [...readCaBundle(Buffer.from(base64 ?? '', 'base64').toString('utf8')).cas];
}

/**
 * The JSON patch that puts the merged caBundle (see mergeCaBundle) into every webhook whose caBundle
 * differs, or an empty list when all are right. The patch starts by setting metadata.resourceVersion
 * to the version we read: the API server then treats it as a precondition and answers 409 Conflict if
 * the object changed since (Helm upgrading it, another replica patching it) — checked against
 * kube-apiserver 1.34; a `test` op would fail with an undistinguishable 422 instead. Only caBundle is
 * written: the rest of the object is Helm's.
 */
export function caBundlePatch(
  state: WebhookCaState,
  desired: readonly CaCertificate[],
  now: Date,
): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  state.webhooks.forEach((webhook, index) => {
    const merged = mergeCaBundle(desired, decodeBundle(webhook.caBundle), now);
    const value = Buffer.from(bundlePem(merged), 'utf8').toString('base64');
    // `add` on an existing member replaces it (RFC 6902 §4.1), and also works when caBundle is unset.
    if (value !== webhook.caBundle)
      ops.push({ op: 'add', path: `/webhooks/${index}/clientConfig/caBundle`, value });
  });
  if (ops.length === 0) return [];
  return [{ op: 'replace', path: '/metadata/resourceVersion', value: state.resourceVersion }, ...ops];
}

/** True when every webhook's caBundle holds all of `cas`. */
export function webhooksTrust(state: WebhookCaState, cas: readonly CaCertificate[]): boolean {
  return state.webhooks.every((webhook) => bundleContains(decodeBundle(webhook.caBundle), cas));
}
