// Not exported from the package root; the deep import lets us check the library's own deserialization.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import {
  rawKey,
  readObject,
  slimAs,
  slimCSINode,
  slimNamespace,
  slimNode,
  slimObject,
  slimPV,
  slimPVC,
  slimStorageClass,
} from '../../../src/cluster/slim.js';

const node = (over: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'n1',
    labels: { 'kubernetes.io/hostname': 'n1-label', 'topology.kubernetes.io/zone': 'z1' },
  },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status: 'True' },
    ],
    addresses: [
      { type: 'InternalIP', address: '10.0.0.1' },
      { type: 'InternalIP', address: 'fd00::1' },
      { type: 'ExternalIP', address: '1.2.3.4' },
      { type: 'Hostname', address: 'n1.example' },
    ],
  },
  ...over,
});

describe('slimNode', () => {
  it('keeps readiness, cordon, internal IPs, hostname and labels', () => {
    const r = slimNode({ ...node(), spec: { unschedulable: true } });
    expect(r).toEqual({
      ok: true,
      value: {
        name: 'n1',
        labels: { 'kubernetes.io/hostname': 'n1-label', 'topology.kubernetes.io/zone': 'z1' },
        unschedulable: true,
        ready: true,
        internalIPs: ['10.0.0.1', 'fd00::1'],
        hostname: 'n1.example',
      },
    });
  });

  it.each([
    ['Ready False', [{ type: 'Ready', status: 'False' }], false],
    ['Ready Unknown', [{ type: 'Ready', status: 'Unknown' }], false],
    ['no Ready condition', [{ type: 'DiskPressure', status: 'True' }], false],
    ['no conditions at all', undefined, false],
    ['Ready True', [{ type: 'Ready', status: 'True' }], true],
  ])('ready with %s', (_name, conditions, ready) => {
    const r = slimNode({ ...node(), status: { conditions } });
    expect(r.ok && r.value.ready).toBe(ready);
  });

  it('falls back to the hostname label when there is no Hostname address', () => {
    const r = slimNode({ ...node(), status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }] } });
    expect(r.ok && r.value.hostname).toBe('n1-label');
    expect(r.ok && r.value.internalIPs).toEqual(['10.0.0.9']);
  });

  it('has no hostname when neither exists, and is schedulable by default', () => {
    const r = slimNode({ metadata: { name: 'bare' } });
    expect(r).toEqual({
      ok: true,
      value: { name: 'bare', labels: {}, unschedulable: false, ready: false, internalIPs: [] },
    });
  });
});

describe('slimPVC', () => {
  const pvc = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-0', namespace: 'db', uid: 'u-1', ...extra },
    spec,
    status: { phase: 'Bound' },
  });

  it.each([
    ['absent → null (the default class)', {}, null],
    ['null → null', { storageClassName: null }, null],
    ['"" stays "" (no class)', { storageClassName: '' }, ''],
    ['a name', { storageClassName: 'px-db' }, 'px-db'],
  ])('storageClassName %s', (_name, spec, expected) => {
    const r = slimPVC(pvc(spec));
    expect(r.ok && r.value.storageClassName).toBe(expected);
  });

  it('keeps volumeName, phase, uid and annotations, drops last-applied-configuration and managedFields', () => {
    const r = slimPVC(
      pvc(
        { volumeName: 'pvc-123', storageClassName: 'sc', resources: { requests: { storage: '1Gi' } } },
        {
          annotations: {
            'volume.kubernetes.io/storage-provisioner': 'pxd.portworx.com',
            'kubectl.kubernetes.io/last-applied-configuration': '{"huge":"x"}',
          },
          managedFields: [{ manager: 'kubectl', fieldsV1: {} }],
          resourceVersion: '42',
        },
      ),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        namespace: 'db',
        name: 'data-0',
        uid: 'u-1',
        annotations: { 'volume.kubernetes.io/storage-provisioner': 'pxd.portworx.com' },
        storageClassName: 'sc',
        volumeName: 'pvc-123',
        phase: 'Bound',
      },
    });
  });

  it('an unbound PVC without status has empty volumeName and phase', () => {
    const r = slimPVC({ metadata: { name: 'p', namespace: 'ns' } });
    expect(r.ok && [r.value.volumeName, r.value.phase]).toEqual(['', '']);
  });

  it('a PVC written without a namespace lands in "default", as kubectl applies it', () => {
    const r = slimPVC({ metadata: { name: 'p' } });
    expect(r.ok && r.value.namespace).toBe('default');
  });

  it('stays under 1 KiB for a typical bound PVC', () => {
    const r = slimPVC(
      pvc(
        { volumeName: 'pvc-0b7e3f0e-8f1c-4d59-a1d2-51f6b2c3d4e5', storageClassName: 'px-csi-db' },
        {
          annotations: {
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
            'volume.beta.kubernetes.io/storage-provisioner': 'pxd.portworx.com',
            'volume.kubernetes.io/storage-provisioner': 'pxd.portworx.com',
          },
          labels: { app: 'postgres' },
          managedFields: Array.from({ length: 5 }, (_, i) => ({
            manager: `m${i}`,
            fieldsV1: { f: 'x'.repeat(300) },
          })),
        },
      ),
    );
    expect(r.ok).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(r.ok && r.value))).toBeLessThan(1024);
  });
});

describe('slimPV', () => {
  it('keeps CSI, claimRef, node affinity, class, labels and annotations', () => {
    const r = slimPV({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: 'pv-1',
        labels: { l: 'v' },
        annotations: { 'pv.kubernetes.io/provisioned-by': 'pxd.portworx.com' },
      },
      spec: {
        storageClassName: 'px',
        csi: { driver: 'pxd.portworx.com', volumeHandle: '1234', fsType: 'ext4' },
        claimRef: { kind: 'PersistentVolumeClaim', namespace: 'db', name: 'data-0', uid: 'x' },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z1', 'z2'] },
                ],
              },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n3'] }] },
            ],
          },
        },
      },
    });
    expect(r).toEqual({
      ok: true,
      value: {
        name: 'pv-1',
        labels: { l: 'v' },
        annotations: { 'pv.kubernetes.io/provisioned-by': 'pxd.portworx.com' },
        csiDriver: 'pxd.portworx.com',
        csiVolumeHandle: '1234',
        storageClassName: 'px',
        claimRef: { namespace: 'db', name: 'data-0' },
        nodeAffinity: [
          {
            matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z1', 'z2'] }],
            matchFields: [],
          },
          { matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n3'] }] },
        ],
      },
    });
  });

  it('keeps the in-tree Portworx volume id; no class → ""; no affinity → undefined', () => {
    const r = slimPV({ metadata: { name: 'pv-2' }, spec: { portworxVolume: { volumeID: 'vol-9' } } });
    expect(r).toEqual({
      ok: true,
      value: { name: 'pv-2', labels: {}, annotations: {}, portworxVolumeId: 'vol-9', storageClassName: '' },
    });
  });

  it('Exists needs no values', () => {
    const r = slimPV({
      metadata: { name: 'pv-3' },
      spec: {
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'Exists' }] }] },
        },
      },
    });
    expect(r.ok && r.value.nodeAffinity).toEqual([
      { matchExpressions: [{ key: 'k', operator: 'Exists', values: [] }], matchFields: [] },
    ]);
  });
});

describe('slimStorageClass', () => {
  const sc = (annotations: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'px', annotations, creationTimestamp: '2024-03-01T10:00:00Z' },
    provisioner: 'pxd.portworx.com',
    parameters: { repl: '3' },
    ...extra,
  });

  it.each([
    ['GA "true"', { 'storageclass.kubernetes.io/is-default-class': 'true' }, true],
    ['GA "TRUE" (parseBool)', { 'storageclass.kubernetes.io/is-default-class': 'TRUE' }, true],
    ['GA "1"', { 'storageclass.kubernetes.io/is-default-class': '1' }, true],
    ['GA unquoted boolean from YAML', { 'storageclass.kubernetes.io/is-default-class': true }, true],
    ['GA "false"', { 'storageclass.kubernetes.io/is-default-class': 'false' }, false],
    ['GA "yes" (not a Go bool)', { 'storageclass.kubernetes.io/is-default-class': 'yes' }, false],
    ['beta "true"', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' }, true],
    [
      'GA false, beta true: either marks it',
      {
        'storageclass.kubernetes.io/is-default-class': 'false',
        'storageclass.beta.kubernetes.io/is-default-class': 'true',
      },
      true,
    ],
    ['no annotations', undefined, false],
  ])('isDefault with %s', (_name, annotations, expected) => {
    const r = slimStorageClass(sc(annotations));
    expect(r.ok && r.value.isDefault).toBe(expected);
  });

  it.each([
    ['absent', undefined, 'Immediate'],
    ['Immediate', 'Immediate', 'Immediate'],
    ['WaitForFirstConsumer', 'WaitForFirstConsumer', 'WaitForFirstConsumer'],
  ])('volumeBindingMode %s', (_name, mode, expected) => {
    const r = slimStorageClass(sc(undefined, mode === undefined ? {} : { volumeBindingMode: mode }));
    expect(r.ok && r.value.volumeBindingMode).toBe(expected);
  });

  it.each([
    ['an RFC 3339 string (watch events, YAML)', '2024-03-01T10:00:00Z'],
    ['a Date (client-node typed list and read results)', new Date('2024-03-01T10:00:00Z')],
    ['a string with an offset', '2024-03-01T11:00:00+01:00'],
  ])('creationTimestamp from %s normalises to one ISO form', (_name, ts) => {
    const r = slimStorageClass({ ...sc(undefined), metadata: { name: 'px', creationTimestamp: ts } });
    expect(r.ok && r.value.creationTimestamp).toBe('2024-03-01T10:00:00.000Z');
  });

  it('reads a typed object as client-node 1.x deserializes it (class instances, Date timestamps)', () => {
    const typed: unknown = ObjectSerializer.deserialize(
      sc(
        { 'storageclass.kubernetes.io/is-default-class': 'true' },
        { volumeBindingMode: 'WaitForFirstConsumer' },
      ),
      'V1StorageClass',
      '',
    );
    expect((typed as { metadata: { creationTimestamp: unknown } }).metadata.creationTimestamp).toBeInstanceOf(
      Date,
    );
    expect(slimStorageClass(typed)).toEqual({
      ok: true,
      value: {
        name: 'px',
        provisioner: 'pxd.portworx.com',
        parameters: { repl: '3' },
        volumeBindingMode: 'WaitForFirstConsumer',
        isDefault: true,
        creationTimestamp: '2024-03-01T10:00:00.000Z',
      },
    });
  });

  it('a class without a creationTimestamp (hand-written state) gets ""', () => {
    const r = slimStorageClass({ metadata: { name: 'x' }, provisioner: 'p' });
    expect(r).toEqual({
      ok: true,
      value: {
        name: 'x',
        provisioner: 'p',
        parameters: {},
        volumeBindingMode: 'Immediate',
        isDefault: false,
        creationTimestamp: '',
      },
    });
  });

  it('coerces numeric parameters written unquoted in YAML', () => {
    const r = slimStorageClass(sc(undefined, { parameters: { repl: 3, io_profile: 'db' } }));
    expect(r.ok && r.value.parameters).toEqual({ repl: '3', io_profile: 'db' });
  });
});

describe('slimNamespace and slimCSINode', () => {
  it('namespace keeps name and labels', () => {
    expect(
      slimNamespace({ metadata: { name: 'db', labels: { team: 'a' }, annotations: { x: 'y' } } }),
    ).toEqual({
      ok: true,
      value: { name: 'db', labels: { team: 'a' } },
    });
  });

  it('CSINode keeps driver names', () => {
    const r = slimCSINode({
      metadata: { name: 'n1' },
      spec: {
        drivers: [
          { name: 'pxd.portworx.com', nodeID: 'n1', topologyKeys: null },
          { name: 'ebs.csi.aws.com' },
        ],
      },
    });
    expect(r).toEqual({ ok: true, value: { name: 'n1', drivers: ['pxd.portworx.com', 'ebs.csi.aws.com'] } });
  });

  it('CSINode with no drivers', () => {
    expect(slimCSINode({ metadata: { name: 'n2' }, spec: {} })).toEqual({
      ok: true,
      value: { name: 'n2', drivers: [] },
    });
  });
});

describe('malformed objects are values, never exceptions', () => {
  it.each([
    ['null', slimNode, null, 'object is missing'],
    ['a string', slimNode, 'Node', 'object must be an object'],
    ['an array', slimPVC, [], 'object must be an object'],
    ['no metadata', slimPV, { spec: {} }, 'metadata is missing'],
    ['metadata a string', slimNamespace, { metadata: 'x' }, 'metadata must be an object'],
    ['no name', slimNode, { metadata: {} }, 'metadata.name is missing'],
    ['empty name', slimPVC, { metadata: { name: '' } }, 'metadata.name is missing'],
    ['numeric name', slimNode, { metadata: { name: 7 } }, 'metadata.name must be a string'],
    [
      'labels a list',
      slimNode,
      { metadata: { name: 'n', labels: ['a'] } },
      'metadata.labels must be an object',
    ],
    [
      'label value an object',
      slimNode,
      { metadata: { name: 'n', labels: { a: { b: 1 } } } },
      'metadata.labels.a must be a string',
    ],
    [
      'unschedulable a string',
      slimNode,
      { metadata: { name: 'n' }, spec: { unschedulable: 'yes' } },
      'spec.unschedulable must be true or false',
    ],
    [
      'conditions an object',
      slimNode,
      { metadata: { name: 'n' }, status: { conditions: {} } },
      'status.conditions must be a list',
    ],
    [
      'storageClassName a number',
      slimPVC,
      { metadata: { name: 'p' }, spec: { storageClassName: 5 } },
      'spec.storageClassName must be a string',
    ],
    ['SC without provisioner', slimStorageClass, { metadata: { name: 's' } }, 'provisioner is missing'],
    [
      'SC with an unknown binding mode',
      slimStorageClass,
      { metadata: { name: 's' }, provisioner: 'p', volumeBindingMode: 'Later' },
      'volumeBindingMode "Later" is unknown',
    ],
    [
      'SC with a bad timestamp',
      slimStorageClass,
      { metadata: { name: 's', creationTimestamp: 'yesterday' }, provisioner: 'p' },
      'metadata.creationTimestamp is not a timestamp',
    ],
    [
      'SC with an invalid Date',
      slimStorageClass,
      { metadata: { name: 's', creationTimestamp: new Date('nope') }, provisioner: 'p' },
      'metadata.creationTimestamp is not a timestamp',
    ],
    [
      'PV affinity with an unknown operator',
      slimPV,
      {
        metadata: { name: 'v' },
        spec: {
          nodeAffinity: {
            required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'Near' }] }] },
          },
        },
      },
      'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].operator "Near" is unknown',
    ],
    [
      'PV affinity values not strings',
      slimPV,
      {
        metadata: { name: 'v' },
        spec: {
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: [1] }] }],
            },
          },
        },
      },
      'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values must be strings',
    ],
    [
      'CSINode driver without a name',
      slimCSINode,
      { metadata: { name: 'n' }, spec: { drivers: [{}] } },
      'spec.drivers[0].name is missing',
    ],
  ])('%s', (_name, slim: (raw: unknown) => { ok: boolean; error?: string }, raw, message) => {
    let result: { ok: boolean; error?: string } | undefined;
    expect(() => (result = slim(raw))).not.toThrow();
    expect(result?.ok).toBe(false);
    expect(result?.error).toContain(message);
  });

  it('names every bad field at once', () => {
    const r = slimStorageClass({ metadata: { labels: 3 }, volumeBindingMode: 'X' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.split('; ')).toEqual([
      'metadata.name is missing',
      'provisioner is missing',
      'volumeBindingMode "X" is unknown',
    ]);
  });
});

describe('readObject / slimObject dispatch by kind and apiVersion', () => {
  it.each([
    [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }, 'ok', 'Node'],
    [{ kind: 'Namespace', metadata: { name: 'n' } }, 'ok', 'Namespace'],
    [
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'x' } },
      'ok',
      'PersistentVolumeClaim',
    ],
    [{ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'p' } }, 'ok', 'PersistentVolume'],
    [
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 's' }, provisioner: 'p' },
      'ok',
      'StorageClass',
    ],
    [{ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'c' } }, 'ok', 'CSINode'],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }, 'ignored', 'Pod'],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, 'ignored', 'Deployment'],
    [{ apiVersion: 'management.cattle.io/v3', kind: 'Node', metadata: { name: 'n' } }, 'ignored', 'Node'],
    [
      { apiVersion: 'v1', kind: 'StorageClass', metadata: { name: 's' }, provisioner: 'p' },
      'ignored',
      'StorageClass',
    ],
    [{ apiVersion: 'v1', kind: 'Node' }, 'invalid', 'Node'],
    [{ metadata: { name: 'x' } }, 'invalid', ''],
    ['just a string', 'invalid', ''],
    [null, 'invalid', ''],
  ])('%j → %s', (raw, status, kind) => {
    const outcome = readObject(raw);
    expect(outcome.status).toBe(status);
    if (outcome.status === 'ok') expect(outcome.item.kind).toBe(kind);
    else expect(outcome.kind).toBe(kind);
    expect(slimObject(raw)?.kind).toBe(status === 'ok' ? kind : undefined);
  });

  it('slimAs transforms list items that carry no kind', () => {
    const r = slimAs('PersistentVolume', {
      metadata: { name: 'v' },
      spec: { csi: { driver: 'd', volumeHandle: 'h' } },
    });
    expect(r.ok && r.value).toEqual({
      kind: 'PersistentVolume',
      obj: {
        name: 'v',
        labels: {},
        annotations: {},
        csiDriver: 'd',
        csiVolumeHandle: 'h',
        storageClassName: '',
      },
    });
  });

  it.each([
    ['PersistentVolumeClaim', { metadata: { name: 'p', namespace: 'ns' } }, 'ns/p'],
    ['PersistentVolume', { metadata: { name: 'v' } }, 'v'],
    ['Node', { metadata: { name: 'n' }, spec: 'garbage' }, 'n'],
    ['Node', { metadata: {} }, undefined],
    ['Node', null, undefined],
  ] as const)('rawKey(%s, %j) = %s', (kind, raw, key) => {
    expect(rawKey(kind, raw)).toBe(key);
  });
});
