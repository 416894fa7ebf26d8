/**
 * Generated AdmissionReviews and the oracle every answer is held to. The oracle is a model written
 * from the contract (§3, §7), not from src/admission: a review the model calls well-formed must be
 * answered 200 + allowed + its UID; anything else must be a 400 naming the problem; a body over the
 * limit a 413. Never a 5xx, never a stack trace, never silence.
 */
import fc from 'fast-check';
import type { Outcome } from './client.js';
import { CLAIMS } from './servers.js';
import {
  applyMutation,
  damaged,
  hugeMutation,
  mutation,
  nestingDepth,
  strangeValue,
  textDamage,
  unicode,
  type Json,
} from './mutate.js';

export const SCHEDULER = 'kube-converge';
/** contract §3: where schedulerName lives, per kind. */
const TEMPLATE: Record<string, { group: string; path: string; ops: string[] }> = {
  Pod: { group: '', path: '/spec/schedulerName', ops: ['CREATE'] },
  Deployment: { group: 'apps', path: '/spec/template/spec/schedulerName', ops: ['CREATE', 'UPDATE'] },
  StatefulSet: { group: 'apps', path: '/spec/template/spec/schedulerName', ops: ['CREATE', 'UPDATE'] },
  ReplicaSet: { group: 'apps', path: '/spec/template/spec/schedulerName', ops: ['CREATE', 'UPDATE'] },
  Job: { group: 'batch', path: '/spec/template/spec/schedulerName', ops: ['CREATE', 'UPDATE'] },
  CronJob: {
    group: 'batch',
    path: '/spec/jobTemplate/spec/template/spec/schedulerName',
    ops: ['CREATE', 'UPDATE'],
  },
};
const VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];
const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GeneratedCase {
  readonly body: string | Buffer;
  /** Which generator made it (for the figures and for reading a counterexample). */
  readonly family: string;
}

const volume = fc.oneof(
  fc.record({
    name: fc.string(),
    persistentVolumeClaim: fc.record({ claimName: fc.constantFrom(...CLAIMS) }),
  }),
  fc.record({
    name: fc.string(),
    ephemeral: fc.record({
      volumeClaimTemplate: fc.record({
        spec: fc.record({ storageClassName: fc.constantFrom('px', 'local') }),
      }),
    }),
  }),
  fc.record({ name: fc.string(), csi: fc.record({ driver: fc.constantFrom('pxd.portworx.com', 'other') }) }),
  fc.record({ name: fc.string(), emptyDir: fc.constant({}) }),
);

const annotations = fc.dictionary(
  fc.constantFrom(
    'kube-converge.io/disable',
    'stork.libopenstorage.org/disableHyperconvergence',
    'kube-converge.io/prefer-local-node-only',
    'x',
  ),
  fc.constantFrom('true', 'false', 'yes', '', 'TRUE', '1'),
);

const podSpec = fc.record(
  {
    schedulerName: fc.constantFrom('', 'default-scheduler', SCHEDULER, 'other'),
    volumes: fc.array(volume, { maxLength: 4 }),
    containers: fc.constant([{ name: 'c', image: 'busybox' }]),
  },
  { requiredKeys: ['containers'] },
);

const metadata = fc.record(
  { name: fc.string(), generateName: fc.constant('p-'), namespace: fc.constant('shop'), annotations },
  { requiredKeys: [] },
);

/** Generated records are JSON; their literal types are narrower than TypeScript lets Json[] take. */
const asJson = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<Json> => a as unknown as fc.Arbitrary<Json>;

/** A workload object of `kind`, well-formed (the pod spec where the contract says it is). */
function workload(kind: string): fc.Arbitrary<Json> {
  return asJson(workloadOf(kind));
}

function workloadOf(kind: string): fc.Arbitrary<unknown> {
  const template = fc.record({ metadata, spec: podSpec });
  switch (kind) {
    case 'Pod':
      return fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Pod'), metadata, spec: podSpec });
    case 'CronJob':
      return fc.record({
        metadata,
        spec: fc.record({ jobTemplate: fc.record({ spec: fc.record({ template }) }) }),
      });
    case 'StatefulSet':
      return fc.record({
        metadata,
        spec: fc.record({
          template,
          volumeClaimTemplates: fc.array(
            fc.record({
              metadata: fc.record({ name: fc.string() }),
              spec: fc.record({ storageClassName: fc.constantFrom('px', 'local') }),
            }),
            { maxLength: 2 },
          ),
        }),
      });
    default:
      return fc.record({ metadata, spec: fc.record({ template }) });
  }
}

const kindName = fc.constantFrom(...Object.keys(TEMPLATE), 'DaemonSet', 'Service', '');

/** A well-formed review of one of the contract's kinds (or another kind). */
export const wellFormedReview: fc.Arbitrary<Json> = kindName.chain((kind) =>
  asJson(
    fc.record(
      {
        apiVersion: fc.constantFrom(...VERSIONS),
        kind: fc.constant('AdmissionReview'),
        request: fc.record(
          {
            uid: fc.oneof(
              fc.uuid(),
              unicode.filter((s) => s !== ''),
            ),
            kind: fc.record({
              group: fc.constant(TEMPLATE[kind]?.group ?? 'apps'),
              version: fc.constant('v1'),
              kind: fc.constant(kind),
            }),
            operation: fc.constantFrom(...OPERATIONS),
            namespace: fc.constantFrom('shop', 'other', ''),
            name: fc.string(),
            dryRun: fc.boolean(),
            object: workload(kind === '' ? 'Pod' : kind),
          },
          { requiredKeys: ['uid', 'kind', 'operation'] },
        ),
      },
      { requiredKeys: ['apiVersion', 'kind', 'request'] },
    ),
  ),
);

const ENVELOPE_KEYS = ['apiVersion', 'kind', 'request', 'uid', 'operation', 'object', 'namespace'];

/** The families, weighted so 10,000 cases cover each many times and the slow ones stay rare. */
export const reviewCase: fc.Arbitrary<GeneratedCase> = fc.oneof(
  // The object fuzzed, the envelope intact: must always be 200.
  {
    weight: 30,
    arbitrary: fc
      .tuple(wellFormedReview, fc.array(mutation, { minLength: 1, maxLength: 3 }))
      .map(([r, ms]) => ({
        body: damaged(
          ms.reduce((acc, m) => applyMutation(acc, m, ['request', 'object']), r),
          { kind: 'none' },
        ),
        family: 'object-mutated',
      })),
  },
  // Anything anywhere, plus damage only text can carry.
  {
    weight: 30,
    arbitrary: fc
      .tuple(wellFormedReview, fc.array(mutation, { maxLength: 3 }), textDamage(ENVELOPE_KEYS))
      .map(([r, ms, d]) => ({
        body: damaged(
          ms.reduce((acc, m) => applyMutation(acc, m), r),
          d,
        ),
        family: d.kind === 'none' ? 'review-mutated' : `text-${d.kind}`,
      })),
  },
  // A huge string in the object or the envelope; some bodies end up over the limit.
  {
    weight: 1,
    arbitrary: fc.tuple(wellFormedReview, hugeMutation).map(([r, m]) => ({
      body: damaged(applyMutation(r, m), { kind: 'none' }),
      family: 'huge-string',
    })),
  },
  // Not an object at all.
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        strangeValue.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        fc.constantFrom('', ' ', 'nul', '1e999', '-', '{', '[]', '"\\ud800"', '{"a":1}x'),
      )
      .map((v) => ({
        body: typeof v === 'string' && v.length < 12 ? v : JSON.stringify(v),
        family: 'not-an-object',
      })),
  },
);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const optString = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';

/** The contract's idea of an AdmissionReview we can answer (an independent model of it). */
export function wellFormed(v: unknown): v is { apiVersion: string; request: Record<string, unknown> } {
  if (!isObject(v) || v.kind !== 'AdmissionReview' || !VERSIONS.includes(v.apiVersion as string))
    return false;
  const r = v.request;
  if (!isObject(r) || typeof r.uid !== 'string' || r.uid === '') return false;
  const k = r.kind;
  if (!isObject(k) || typeof k.kind !== 'string' || typeof k.version !== 'string' || !optString(k.group))
    return false;
  if (!OPERATIONS.includes(r.operation as string)) return false;
  if (!optString(r.namespace) || !optString(r.name) || !optString(r.subResource)) return false;
  return r.object === undefined || r.object === null || isObject(r.object);
}

/** What the server parses: the bytes as UTF-8 (invalid sequences become U+FFFD), then JSON. */
export function parseAsServer(body: string | Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(Buffer.from(body).toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

export interface Limits {
  readonly maxBodyBytes: number;
  /** Deeper JSON is refused with a 400 before anything reads it. */
  readonly maxDepth: number;
}

/** Throws (with the reason) when an answer breaks a guarantee; the property then fails and shrinks. */
export function checkCommon(
  body: string | Buffer,
  o: Outcome,
  limits: Limits,
): { status: number; json: any } {
  if (o.kind !== 'reply') throw new Error(`no answer: ${JSON.stringify(o)}`);
  if (o.status >= 500) throw new Error(`server error ${o.status}: ${o.text.slice(0, 300)}`);
  if (!/^application\/json/.test(String(o.headers['content-type'])))
    throw new Error(`not JSON: ${String(o.headers['content-type'])}`);
  if (/\\n\s+at |node:internal|\/src\/|\.ts:\d+/.test(o.text))
    throw new Error(`stack trace leaked: ${o.text.slice(0, 300)}`);
  const json = JSON.parse(o.text);
  const size = Buffer.byteLength(body);
  if (size > limits.maxBodyBytes) {
    if (o.status !== 413) throw new Error(`a ${size}-byte body got ${o.status}, want 413`);
  } else if (o.status === 413) throw new Error(`a ${size}-byte body under the limit got 413`);
  if (o.status >= 400) {
    if (json?.error?.code !== o.status || typeof json.error.message !== 'string')
      throw new Error(`error body is not {error:{code,message}}: ${o.text.slice(0, 300)}`);
  }
  return { status: o.status, json };
}

/** The oracle for one webhook exchange. */
export function checkReviewAnswer(body: string | Buffer, o: Outcome, limits: Limits): void {
  const { status, json } = checkCommon(body, o, limits);
  if (status === 413) return;
  const parsed = parseAsServer(body);
  const tooDeep = nestingDepth(Buffer.from(body).toString('utf8')) > limits.maxDepth;
  if (!parsed.ok || tooDeep || !wellFormed(parsed.value)) {
    if (status !== 400) throw new Error(`malformed review answered ${status}, want 400`);
    if (
      !/^(malformed AdmissionReview|request body is not valid JSON|request body nests deeper)/.test(
        json.error.message,
      )
    )
      throw new Error(`400 without a reason: ${json.error.message}`);
    return;
  }
  const sent = parsed.value;
  if (status !== 200)
    throw new Error(
      `well-formed review answered ${status}: ${o.kind === 'reply' ? o.text.slice(0, 300) : ''}`,
    );
  const r = json.response;
  if (json.apiVersion !== sent.apiVersion || json.kind !== 'AdmissionReview')
    throw new Error(`answered as ${json.apiVersion} ${json.kind}, asked in ${sent.apiVersion}`);
  if (r?.uid !== sent.request.uid)
    throw new Error(`uid ${JSON.stringify(r?.uid)} != ${JSON.stringify(sent.request.uid)}`);
  if (r.allowed !== true) throw new Error('not allowed');
  checkPatch(sent.request, r);
}

/** A patch, when there is one, sets the contract's path for the kind to the scheduler name. */
function checkPatch(request: Record<string, unknown>, r: { patch?: string; patchType?: string }): void {
  if (r.patch === undefined) {
    if (r.patchType !== undefined) throw new Error('patchType without a patch');
    return;
  }
  const gvk = request.kind as { kind: string; group?: string | null };
  const t = TEMPLATE[gvk.kind];
  if (!t || t.group !== (gvk.group ?? '') || !t.ops.includes(request.operation as string))
    throw new Error(`patched a ${gvk.group}/${gvk.kind} ${String(request.operation)}`);
  const ops = JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8'));
  const want = [{ op: 'add', path: t.path, value: SCHEDULER }];
  if (r.patchType !== 'JSONPatch' || JSON.stringify(ops) !== JSON.stringify(want))
    throw new Error(`unexpected patch ${JSON.stringify(ops)} (${r.patchType})`);
}
