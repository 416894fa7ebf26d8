import { claimNames, resolvePodVolumes } from '../../../src/resolution/resolve.js';
import { pv, pvc, sc, store } from '../../support/cluster.js';

const provisioners = new Set(['pxd.portworx.com']);
const cluster = store(
  sc('px', 'pxd.portworx.com'),
  sc('local', 'rancher.io/local-path'),
  // the claim Kubernetes made for pod "web-0"'s ephemeral volume "scratch": bound to a Portworx PV
  pvc('apps', 'web-0-scratch', { storageClassName: 'local', volumeName: 'pv-1', phase: 'Bound' }),
  pv('pv-1', { csiDriver: 'pxd.portworx.com' }),
);
const volumes = [
  { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'local' } } } },
];

describe('generic ephemeral volumes', () => {
  it('before the pod has a name (admission), resolve through the template class', () => {
    const [v] = resolvePodVolumes(volumes, 'apps', cluster, { provisioners });
    expect(v?.managed).toBe(false);
    expect(v?.claim).toBeUndefined();
  });

  it('once named (scheduling), resolve through the claim <pod>-<volume> and its PV', () => {
    const [v] = resolvePodVolumes(volumes, 'apps', cluster, { provisioners, podName: 'web-0' });
    expect(v?.claim).toEqual({ namespace: 'apps', name: 'web-0-scratch' });
    expect(v?.pv?.name).toBe('pv-1');
    expect(v?.managed).toBe(true);
    expect(v?.source).toBe('ephemeral');
  });

  it('falls back to the class while the claim does not exist yet', () => {
    const [v] = resolvePodVolumes(volumes, 'apps', cluster, { provisioners, podName: 'web-1' });
    expect(v?.claim).toBeUndefined();
    expect(v?.via).toContain('StorageClass local');
  });

  it('names the ephemeral claim for the cache warm-up only when the pod is named', () => {
    expect(claimNames(volumes)).toEqual([]);
    expect(claimNames(volumes, 'web-0')).toEqual(['web-0-scratch']);
  });
});
