import jsonpatch from 'jsonpatch';
import { decide, type MutationConfig, type MutationRequest } from '../../../src/admission/decide.js';
import { DEFAULT_PROVISIONERS } from '../../../src/contract/index.js';
import { node, ns, pv, pvc, sc, store } from '../../support/cluster.js';

const PX = 'pxd.portworx.com';
const config: MutationConfig = {
  schedulerName: 'kube-converge',
  provisioners: new Set(DEFAULT_PROVISIONERS),
  overrideSchedulers: new Set(),
};

/** A cluster with one claim per resolution rule of contract §2 (namespace "apps"). */
const cluster = (defaultClass: string | null = 'px') =>
  store(
    sc('px', PX, { isDefault: defaultClass === 'px' }),
    sc('local', 'rancher.io/local-path', { isDefault: defaultClass === 'local' }),
    ns('apps'),
    ns('quiet', { 'kube-converge.io/disable-admission-controller': 'true' }),
    node('n1'),
    // 1.1 bound PV: csi.driver, else provisioned-by, else in-tree source -- each beats a non-managed class
    pvc('apps', 'bound-csi', { volumeName: 'pv-csi', storageClassName: 'local', phase: 'Bound' }),
    pv('pv-csi', { csiDriver: PX }),
    pvc('apps', 'bound-provby', { volumeName: 'pv-provby', storageClassName: 'local', phase: 'Bound' }),
    pv('pv-provby', { annotations: { 'pv.kubernetes.io/provisioned-by': PX } }),
    pvc('apps', 'bound-intree', { volumeName: 'pv-intree', storageClassName: 'local', phase: 'Bound' }),
    pv('pv-intree', { portworxVolumeId: 'vol-1' }),
    // a bound PV of another driver wins over a managed class
    pvc('apps', 'bound-other', { volumeName: 'pv-other', storageClassName: 'px', phase: 'Bound' }),
    pv('pv-other', { csiDriver: 'ebs.csi.aws.com' }),
    // a PV not (yet) known: fall through to the PVC's annotations and class
    pvc('apps', 'bound-pv-unknown', { volumeName: 'pv-nowhere', storageClassName: 'px' }),
    // 1.2 PVC annotations, GA before beta, beating the class
    pvc('apps', 'ann-ga', {
      storageClassName: 'local',
      annotations: { 'volume.kubernetes.io/storage-provisioner': PX },
    }),
    pvc('apps', 'ann-beta', {
      storageClassName: 'local',
      annotations: { 'volume.beta.kubernetes.io/storage-provisioner': PX },
    }),
    pvc('apps', 'ann-ga-over-beta', {
      storageClassName: 'px',
      annotations: {
        'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
        'volume.beta.kubernetes.io/storage-provisioner': PX,
      },
    }),
    // 1.3 the class: named, absent (default class), "" (no class), missing
    pvc('apps', 'class-px', { storageClassName: 'px' }),
    pvc('apps', 'class-local', { storageClassName: 'local' }),
    pvc('apps', 'class-null', { storageClassName: null }),
    pvc('apps', 'class-empty', { storageClassName: '' }),
    pvc('apps', 'class-ghost', { storageClassName: 'ghost' }),
    // the PVC a StatefulSet template would create: must never be looked up
    pvc('apps', 'data-db-0', { storageClassName: 'px' }),
  );

const claimVolume = (claimName: string) => ({ name: 'data', persistentVolumeClaim: { claimName } });

function podReq(
  volumes: unknown[],
  extra: { annotations?: Record<string, string>; schedulerName?: string; namespace?: string | null } = {},
): MutationRequest {
  const metadata: Record<string, unknown> = { name: 'p' };
  if (extra.namespace !== null) metadata.namespace = extra.namespace ?? 'apps';
  if (extra.annotations) metadata.annotations = extra.annotations;
  const spec: Record<string, unknown> = { containers: [{ name: 'c', image: 'x' }], volumes };
  if (extra.schedulerName !== undefined) spec.schedulerName = extra.schedulerName;
  return {
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'apps',
    object: { apiVersion: 'v1', kind: 'Pod', metadata, spec },
  };
}

describe('volume resolution (contract §2): does this claim make the pod managed?', () => {
  it.each([
    ['bound-csi', true, 'PV pv-csi: spec.csi.driver'],
    ['bound-provby', true, 'PV pv-provby: annotation pv.kubernetes.io/provisioned-by'],
    ['bound-intree', true, 'PV pv-intree: in-tree portworxVolume'],
    ['bound-other', false, 'PV pv-other: spec.csi.driver'],
    ['bound-pv-unknown', true, 'PVC bound-pv-unknown: StorageClass px: provisioner'],
    ['ann-ga', true, 'annotation volume.kubernetes.io/storage-provisioner'],
    ['ann-beta', true, 'annotation volume.beta.kubernetes.io/storage-provisioner'],
    ['ann-ga-over-beta', false, 'annotation volume.kubernetes.io/storage-provisioner'],
    ['class-px', true, 'StorageClass px'],
    ['class-local', false, 'StorageClass local'],
    ['class-null', true, 'default StorageClass px'],
    ['class-empty', false, 'storageClassName "" (no class)'],
    ['class-ghost', false, 'StorageClass ghost not found'],
  ])('claim %s -> managed %s via %s', (claim, managed, via) => {
    const d = decide(podReq([claimVolume(claim)]), cluster(), config);
    expect(d.volumes).toHaveLength(1);
    expect(d.volumes[0]?.managed).toBe(managed);
    expect(d.volumes[0]?.via).toContain(via);
    expect(d.outcome).toBe(managed ? 'patched' : 'no-managed-volume');
  });

  it('an absent class with no default class in the cluster is not managed', () => {
    const d = decide(podReq([claimVolume('class-null')]), cluster(null), config);
    expect(d.outcome).toBe('no-managed-volume');
    expect(d.volumes[0]?.via).toContain('no default StorageClass');
  });

  it('the newest default class wins, as in Kubernetes', () => {
    const s = cluster(null);
    s.upsert(
      sc('old-default', 'rancher.io/local-path', {
        isDefault: true,
        creationTimestamp: '2023-01-01T00:00:00Z',
      }),
    );
    s.upsert(sc('new-default', PX, { isDefault: true, creationTimestamp: '2025-01-01T00:00:00Z' }));
    expect(decide(podReq([claimVolume('class-null')]), s, config).outcome).toBe('patched');
    s.upsert(
      sc('newest-default', 'rancher.io/local-path', {
        isDefault: true,
        creationTimestamp: '2026-01-01T00:00:00Z',
      }),
    );
    expect(decide(podReq([claimVolume('class-null')]), s, config).outcome).toBe('no-managed-volume');
  });

  it.each([
    [
      'generic ephemeral, managed class',
      { name: 'e', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'px' } } } },
      true,
    ],
    [
      'generic ephemeral, other class',
      { name: 'e', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'local' } } } },
      false,
    ],
    [
      'generic ephemeral, default class',
      { name: 'e', ephemeral: { volumeClaimTemplate: { spec: {} } } },
      true,
    ],
    [
      'generic ephemeral, "" class',
      { name: 'e', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: '' } } } },
      false,
    ],
    ['inline CSI, managed driver', { name: 'i', csi: { driver: PX } }, true],
    ['inline CSI, other driver', { name: 'i', csi: { driver: 'secrets-store.csi.k8s.io' } }, false],
    ['in-tree portworxVolume', { name: 'x', portworxVolume: { volumeID: 'v1' } }, true],
    ['emptyDir only', { name: 'tmp', emptyDir: {} }, false],
  ])('%s -> patched %s', (_name, volume, patched) => {
    const d = decide(podReq([volume]), cluster(), config);
    expect(d.outcome).toBe(patched ? 'patched' : 'no-managed-volume');
  });

  it('any configured CSI driver counts as managed', () => {
    const linstor: MutationConfig = { ...config, provisioners: new Set(['linstor.csi.linbit.com']) };
    const req = podReq([{ name: 'i', csi: { driver: 'linstor.csi.linbit.com' } }]);
    expect(decide(req, cluster(), linstor).outcome).toBe('patched');
    expect(decide(podReq([claimVolume('class-px')]), cluster(), linstor).outcome).toBe('no-managed-volume');
  });

  it('one managed volume among others is enough', () => {
    const d = decide(
      podReq([{ name: 'tmp', emptyDir: {} }, claimVolume('class-local'), claimVolume('bound-csi')]),
      cluster(),
      config,
    );
    expect(d.outcome).toBe('patched');
    expect(d.volumes.map((v) => v.managed)).toEqual([false, true]);
  });
});

describe('kinds and operations (contract §3)', () => {
  const template = (volumes: unknown[]) => ({
    metadata: { labels: { app: 'a' } },
    spec: { containers: [], volumes },
  });
  const objects: Record<string, { group: string; object: Record<string, unknown>; path: string[] }> = {
    Pod: {
      group: '',
      object: { metadata: { name: 'p', namespace: 'apps' }, spec: { volumes: [claimVolume('class-px')] } },
      path: ['spec'],
    },
    Deployment: {
      group: 'apps',
      object: { metadata: { name: 'd' }, spec: { template: template([claimVolume('class-px')]) } },
      path: ['spec', 'template', 'spec'],
    },
    ReplicaSet: {
      group: 'apps',
      object: { metadata: { name: 'r' }, spec: { template: template([claimVolume('class-px')]) } },
      path: ['spec', 'template', 'spec'],
    },
    StatefulSet: {
      group: 'apps',
      object: { metadata: { name: 's' }, spec: { template: template([claimVolume('class-px')]) } },
      path: ['spec', 'template', 'spec'],
    },
    Job: {
      group: 'batch',
      object: { metadata: { name: 'j' }, spec: { template: template([claimVolume('class-px')]) } },
      path: ['spec', 'template', 'spec'],
    },
    CronJob: {
      group: 'batch',
      object: {
        metadata: { name: 'c' },
        spec: { jobTemplate: { spec: { template: template([claimVolume('class-px')]) } } },
      },
      path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
    },
  };
  const req = (kind: string, operation: MutationRequest['operation']): MutationRequest => ({
    kind: { group: objects[kind]!.group, version: 'v1', kind },
    operation,
    namespace: 'apps',
    object: structuredClone(objects[kind]!.object),
  });

  it.each([
    ['Pod', 'CREATE', '/spec/schedulerName'],
    ['Deployment', 'CREATE', '/spec/template/spec/schedulerName'],
    ['Deployment', 'UPDATE', '/spec/template/spec/schedulerName'],
    ['ReplicaSet', 'CREATE', '/spec/template/spec/schedulerName'],
    ['StatefulSet', 'UPDATE', '/spec/template/spec/schedulerName'],
    ['Job', 'CREATE', '/spec/template/spec/schedulerName'],
    ['CronJob', 'CREATE', '/spec/jobTemplate/spec/template/spec/schedulerName'],
    ['CronJob', 'UPDATE', '/spec/jobTemplate/spec/template/spec/schedulerName'],
  ] as const)('%s %s is patched at %s, and the patch applies', (kind, op, path) => {
    const r = req(kind, op);
    const d = decide(r, cluster(), config);
    expect(d.outcome).toBe('patched');
    expect(d.patch).toEqual([{ op: 'add', path, value: 'kube-converge' }]);
    const patched = jsonpatch.apply_patch(r.object, [...d.patch]) as Record<string, unknown>;
    let at: unknown = patched;
    for (const seg of objects[kind]!.path) at = (at as Record<string, unknown>)[seg];
    expect((at as Record<string, unknown>).schedulerName).toBe('kube-converge');
  });

  it.each([
    ['Pod', 'UPDATE'],
    ['Deployment', 'DELETE'],
    ['Job', 'CONNECT'],
  ] as const)('%s %s is not mutated', (kind, op) => {
    const d = decide(req(kind, op), cluster(), config);
    expect(d.outcome).toBe('unsupported-operation');
    expect(d.patch).toEqual([]);
  });

  it('an unsupported kind is named in the decision', () => {
    const d = decide(
      {
        kind: { group: 'apps', version: 'v1', kind: 'DaemonSet' },
        operation: 'CREATE',
        namespace: 'apps',
        object: { metadata: { name: 'agent' } },
      },
      cluster(),
      config,
    );
    expect(d.subject).toBe('DaemonSet apps/agent');
  });

  it('a pod of a DaemonSet is left alone, a pod of a ReplicaSet is not', () => {
    const owned = (kind: string) => {
      const r = podReq([claimVolume('class-px')]);
      const obj = r.object as { metadata: Record<string, unknown> };
      obj.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind, name: 'x', uid: 'u', controller: true }];
      return r;
    };
    expect(decide(owned('DaemonSet'), cluster(), config).outcome).toBe('daemonset-pod');
    expect(decide(owned('DaemonSet'), cluster(), config).patch).toEqual([]);
    expect(decide(owned('ReplicaSet'), cluster(), config).outcome).toBe('patched');
  });

  it('a subresource request (pods/status) is not mutated', () => {
    const d = decide({ ...req('Pod', 'CREATE'), subResource: 'binding' }, cluster(), config);
    expect(d.outcome).toBe('unsupported-operation');
  });

  it.each([
    [{ group: 'apps', version: 'v1', kind: 'DaemonSet' }],
    [{ group: 'extensions', version: 'v1beta1', kind: 'Deployment' }],
    [{ group: '', version: 'v1', kind: 'ConfigMap' }],
  ])('%j is allowed with no patch', (gvk) => {
    const d = decide(
      { kind: gvk, operation: 'CREATE', namespace: 'apps', object: objects.Deployment!.object },
      cluster(),
      config,
    );
    expect(d.outcome).toBe('unsupported-kind');
    expect(d.patch).toEqual([]);
  });

  it('a workload without a pod spec is left alone', () => {
    const d = decide(
      {
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
        operation: 'CREATE',
        namespace: 'apps',
        object: { spec: {} },
      },
      cluster(),
      config,
    );
    expect(d.outcome).toBe('no-pod-spec');
  });

  it('StatefulSet volumeClaimTemplates resolve through their class, never through a PVC lookup', () => {
    const sts = (storageClassName?: string) => ({
      kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' },
      operation: 'CREATE' as const,
      namespace: 'apps',
      object: {
        metadata: { name: 'db' },
        spec: {
          template: template([]),
          volumeClaimTemplates: [
            { metadata: { name: 'data' }, spec: storageClassName === undefined ? {} : { storageClassName } },
          ],
        },
      },
    });
    expect(decide(sts('px'), cluster(), config).outcome).toBe('patched');
    expect(decide(sts(undefined), cluster(), config).outcome).toBe('patched'); // default class px
    // data-db-0 exists with class px, but the template says local: the template decides
    expect(decide(sts('local'), cluster(), config).outcome).toBe('no-managed-volume');
    expect(decide(sts(undefined), cluster('local'), config).outcome).toBe('no-managed-volume');
  });
});

describe('schedulers (contract §3 rules 3-4)', () => {
  it.each([
    [undefined, 'patched'],
    ['', 'patched'],
    ['default-scheduler', 'patched'],
    ['my-scheduler', 'explicit-scheduler'],
    ['kube-converge', 'already-set'],
  ])('schedulerName %j -> %s', (schedulerName, outcome) => {
    const d = decide(podReq([claimVolume('class-px')], { schedulerName }), cluster(), config);
    expect(d.outcome).toBe(outcome);
    expect(d.patch.length > 0).toBe(outcome === 'patched');
  });

  it('overrideSchedulers lists names that may be replaced', () => {
    const c = { ...config, overrideSchedulers: new Set(['stork']) };
    expect(decide(podReq([claimVolume('class-px')], { schedulerName: 'stork' }), cluster(), c).outcome).toBe(
      'patched',
    );
    expect(decide(podReq([claimVolume('class-px')], { schedulerName: 'other' }), cluster(), c).outcome).toBe(
      'explicit-scheduler',
    );
  });

  it('re-invocation on the patched object is a no-op', () => {
    const r = podReq([claimVolume('class-px')]);
    const first = decide(r, cluster(), config);
    const again = { ...r, object: jsonpatch.apply_patch(r.object, [...first.patch]) };
    const second = decide(again, cluster(), config);
    expect(second.outcome).toBe('already-set');
    expect(second.patch).toEqual([]);
  });

  it('a configured target name is written', () => {
    const d = decide(podReq([claimVolume('class-px')]), cluster(), { ...config, schedulerName: 'stork' });
    expect(d.patch[0]?.value).toBe('stork');
  });
});

describe('opt-out (contract §4)', () => {
  it.each([
    ['kube-converge.io/disable-admission-controller', 'true', 'opted-out'],
    ['kube-converge.io/disable-admission-controller', 'True', 'opted-out'],
    ['kube-converge.io/disable-admission-controller', '1', 'opted-out'],
    ['stork.libopenstorage.org/disable-admission-controller', 'true', 'opted-out'],
    ['kube-converge.io/disable-admission-controller', 'false', 'patched'],
    ['kube-converge.io/disable-admission-controller', 'yes please', 'patched'],
    ['other.io/disable-admission-controller', 'true', 'patched'],
  ])('object annotation %s=%s -> %s', (key, value, outcome) => {
    expect(
      decide(podReq([claimVolume('class-px')], { annotations: { [key]: value } }), cluster(), config).outcome,
    ).toBe(outcome);
  });

  it('a workload pod-template annotation opts out too', () => {
    const d = decide(
      {
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
        operation: 'CREATE',
        namespace: 'apps',
        object: {
          metadata: { name: 'd' },
          spec: {
            template: {
              metadata: { annotations: { 'stork.libopenstorage.org/disable-admission-controller': 'true' } },
              spec: { volumes: [claimVolume('class-px')] },
            },
          },
        },
      },
      cluster(),
      config,
    );
    expect(d.outcome).toBe('opted-out');
    expect(d.reason).toContain(
      'pod template annotation stork.libopenstorage.org/disable-admission-controller',
    );
  });

  it('a namespace labelled with the opt-out is left alone', () => {
    const r = { ...podReq([claimVolume('class-px')], { namespace: 'quiet' }), namespace: 'quiet' };
    const s = cluster();
    s.upsert(pvc('quiet', 'class-px', { storageClassName: 'px' }));
    expect(decide(r, s, config).outcome).toBe('namespace-opted-out');
  });

  it('disableHyperconvergence does not stop the mutation (the extender scores equally instead)', () => {
    const d = decide(
      podReq([claimVolume('class-px')], {
        annotations: { 'kube-converge.io/disableHyperconvergence': 'true' },
      }),
      cluster(),
      config,
    );
    expect(d.outcome).toBe('patched');
  });
});

describe('unknown claims and namespaces', () => {
  it('a claim that does not exist leaves the pod unchanged, with a warning', () => {
    const d = decide(podReq([claimVolume('missing')]), cluster(), config);
    expect(d.outcome).toBe('unknown-volume');
    expect(d.patch).toEqual([]);
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings[0]).toContain('apps/missing not found');
    expect(d.volumes[0]?.unknown).toBe(true);
  });

  it('an unknown claim next to a managed one: patched, still warned', () => {
    const d = decide(
      podReq([claimVolume('missing'), { name: 'd2', persistentVolumeClaim: { claimName: 'class-px' } }]),
      cluster(),
      config,
    );
    expect(d.outcome).toBe('patched');
    expect(d.warnings).toHaveLength(1);
  });

  it("an object without a namespace is resolved in the review's namespace", () => {
    const r = podReq([claimVolume('class-px')], { namespace: null });
    expect(decide(r, cluster(), config).outcome).toBe('patched');
    expect(decide({ ...r, namespace: 'elsewhere' }, cluster(), config).outcome).toBe('unknown-volume');
  });
});
