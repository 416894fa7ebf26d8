import { isCounted, rawPodKey, slimPod } from '../../../src/hyperconvergence/pod.js';

const rawPod = (extra: { meta?: object; spec?: object; status?: object } = {}) => ({
  metadata: {
    name: 'web-0',
    namespace: 'shop',
    uid: 'u1',
    resourceVersion: '7',
    labels: { app: 'web' },
    ...extra.meta,
  },
  spec: {
    nodeName: 'n1',
    schedulerName: 'kube-converge',
    containers: [{ name: 'c', image: 'nginx' }],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'px' } } } },
      { name: 'config', configMap: { name: 'cfg' } },
      { name: 'tmp', emptyDir: {} },
      { name: 'noclaim', persistentVolumeClaim: {} },
      'garbage',
    ],
    ...extra.spec,
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], ...extra.status },
});

describe('slimPod', () => {
  it('keeps only what placement needs; an ephemeral volume is its generated claim', () => {
    expect(slimPod(rawPod())).toEqual({
      ok: true,
      value: {
        namespace: 'shop',
        name: 'web-0',
        uid: 'u1',
        nodeName: 'n1',
        phase: 'Running',
        schedulerName: 'kube-converge',
        terminating: false,
        claims: [
          { volume: 'data', claim: 'data-web-0' },
          { volume: 'scratch', claim: 'web-0-scratch' },
        ],
      },
    });
  });

  it.each([
    [
      'a deletion timestamp string (watch events)',
      { meta: { deletionTimestamp: '2024-01-01T00:00:00Z' } },
      true,
    ],
    ['a deletion timestamp Date (typed list results)', { meta: { deletionTimestamp: new Date(0) } }, true],
    ['no deletion timestamp', {}, false],
  ])('terminating from %s', (_what, extra, terminating) => {
    const slim = slimPod(rawPod(extra));
    expect(slim.ok && slim.value.terminating).toBe(terminating);
  });

  it.each([
    ['not an object', 'pod'],
    ['no metadata', { spec: {} }],
    ['no namespace', { metadata: { name: 'x' } }],
    ['no name', { metadata: { namespace: 'x' } }],
  ])('refuses %s', (_what, raw) => {
    expect(slimPod(raw).ok).toBe(false);
  });

  it('tolerates absent spec and status', () => {
    const slim = slimPod({ metadata: { name: 'x', namespace: 'y' } });
    expect(slim.ok && slim.value).toMatchObject({ nodeName: '', phase: '', claims: [], uid: '' });
  });
});

describe('rawPodKey', () => {
  it.each([
    [rawPod(), 'shop/web-0'],
    [{ metadata: { name: 'x' } }, undefined],
    [null, undefined],
  ])('%j → %s', (raw, key) => {
    expect(rawPodKey(raw)).toBe(key);
  });
});

describe('isCounted', () => {
  const base = slimPod(rawPod());
  if (!base.ok) throw new Error(base.error);
  it.each([
    ['a running scheduled pod with claims', {}, true],
    ['unscheduled', { nodeName: '' }, false],
    ['pending (containers not started)', { phase: 'Pending' }, false],
    ['finished', { phase: 'Succeeded' }, false],
    ['failed', { phase: 'Failed' }, false],
    ['terminating', { terminating: true }, false],
    ['without claims', { claims: [] }, false],
  ])('%s → %s', (_what, change, counted) => {
    expect(isCounted({ ...base.value, ...change })).toBe(counted);
  });
});
