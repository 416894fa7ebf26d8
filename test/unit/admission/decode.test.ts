import { decodeReview, salvageUid } from '../../../src/admission/decode.js';

const good = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'ns',
    object: {},
  },
};
const withRequest = (patch: Record<string, unknown>) => ({ ...good, request: { ...good.request, ...patch } });

describe('decodeReview', () => {
  it('accepts v1 and v1beta1 and keeps the version', () => {
    for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
      const d = decodeReview({ ...good, apiVersion });
      expect(d.ok && d.value.apiVersion).toBe(apiVersion);
    }
  });

  it('reads a null group as the core group, as Go decodes it', () => {
    const d = decodeReview(withRequest({ kind: { group: null, version: 'v1', kind: 'Pod' } }));
    expect(d.ok && d.value.request.kind.group).toBe('');
  });

  it('defaults a missing group to the core group and keeps dryRun', () => {
    const d = decodeReview(withRequest({ kind: { version: 'v1', kind: 'Pod' }, dryRun: true }));
    expect(d.ok && d.value.request.kind.group).toBe('');
    expect(d.ok && d.value.request.dryRun).toBe(true);
  });

  it.each([
    ['a string', 'hello', 'not a JSON object'],
    ['an array', [good], 'not a JSON object'],
    ['null', null, 'not a JSON object'],
    ['another kind', { ...good, kind: 'Pod' }, 'kind is "Pod"'],
    [
      'an unknown version',
      { ...good, apiVersion: 'admission.k8s.io/v2' },
      'apiVersion "admission.k8s.io/v2"',
    ],
    ['no request', { ...good, request: undefined }, 'request is missing'],
    ['no uid', withRequest({ uid: undefined }), 'request.uid'],
    ['a numeric uid', withRequest({ uid: 7 }), 'request.uid'],
    ['a string kind', withRequest({ kind: 'Pod' }), 'request.kind'],
    ['an unknown operation', withRequest({ operation: 'PATCH' }), 'request.operation "PATCH"'],
    ['a numeric namespace', withRequest({ namespace: 3 }), 'request.namespace'],
    ['an array object', withRequest({ object: [] }), 'request.object'],
  ])('refuses %s, naming the problem', (_what, body, problem) => {
    const d = decodeReview(body);
    expect(d.ok).toBe(false);
    expect(!d.ok && d.problem).toContain(problem);
  });

  it('salvages the uid of a review it refuses', () => {
    expect(salvageUid(withRequest({ operation: 'PATCH' }))).toBe('u1');
    expect(salvageUid('x')).toBe('');
  });
});
