import type { SlimPV } from '../../../../src/cluster/types.js';
import {
  PREFER_REMOTE_LABEL,
  decodeNodeEnumerate,
  decodeVolumeInspect,
  isSharedv4Service,
  placementOfPortworx,
  portworxVolumeId,
  replicaNodeIds,
  type SdkVolume,
} from '../../../../src/placement/portworx/index.js';
import type { ResolvedVolume } from '../../../../src/resolution/types.js';

function volume(pv: Partial<SlimPV> | undefined, provisioner = 'pxd.portworx.com'): ResolvedVolume {
  return {
    volume: 'data',
    source: 'persistentVolumeClaim',
    claim: { namespace: 'ns', name: 'data' },
    pvc: {
      namespace: 'ns',
      name: 'data',
      annotations: { owner: 'pvc', shared: 'from-pvc' },
      storageClassName: 'sc',
      volumeName: 'pv-data',
      phase: 'Bound',
    },
    pv: pv && { name: 'pv-data', annotations: {}, labels: {}, storageClassName: 'sc', ...pv },
    provisioner,
    managed: true,
    unknown: false,
    via: 'test',
  };
}

describe('the Portworx volume id of a PV', () => {
  it.each<[string, ResolvedVolume, string | undefined]>([
    ['CSI volume handle', volume({ csiDriver: 'pxd.portworx.com', csiVolumeHandle: '1122' }), '1122'],
    ['old CSI driver name', volume({ csiDriver: 'com.openstorage.pxd', csiVolumeHandle: '33' }), '33'],
    ['in-tree volumeID', volume({ portworxVolumeId: 'pvc-abc' }, 'kubernetes.io/portworx-volume'), 'pvc-abc'],
    [
      'another CSI driver',
      volume({ csiDriver: 'topolvm.io', csiVolumeHandle: 'lv-1' }, 'topolvm.io'),
      undefined,
    ],
    ['no PV', volume(undefined), undefined],
    ['a PV with no handle', volume({ csiDriver: 'pxd.portworx.com' }), undefined],
  ])('%s', (_name, v, expected) => {
    expect(portworxVolumeId(v)).toBe(expected);
  });
});

describe('sharedv4 service volumes', () => {
  const spec = (s: SdkVolume['spec']): SdkVolume => ({ spec: s });
  it.each<[string, SdkVolume | undefined, boolean]>([
    [
      'sharedv4 with a ClusterIP service',
      spec({ sharedv4: true, sharedv4_service_spec: { type: 'SHAREDV4_SERVICE_TYPE_CLUSTERIP' } }),
      true,
    ],
    [
      'sharedv4 with an empty service spec (as Stork)',
      spec({ sharedv4: true, sharedv4_service_spec: {} }),
      true,
    ],
    [
      'service type NONE',
      spec({ sharedv4: true, sharedv4_service_spec: { type: 'SHAREDV4_SERVICE_TYPE_NONE' } }),
      false,
    ],
    ['plain sharedv4', spec({ sharedv4: true }), false],
    [
      'service spec without sharedv4',
      spec({ sharedv4_service_spec: { type: 'SHAREDV4_SERVICE_TYPE_CLUSTERIP' } }),
      false,
    ],
    ['no spec', {}, false],
    ['no volume', undefined, false],
  ])('%s -> %s', (_name, v, expected) => {
    expect(isSharedv4Service(v)).toBe(expected);
  });
});

describe('a Portworx placement', () => {
  it('flattens replica sets into distinct node ids, in order', () => {
    expect(replicaNodeIds({ replica_sets: [{ nodes: ['a', 'b'] }, { nodes: ['b', 'c'] }, {}] })).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('merges labels: spec < locator < answer < anti-hyperconvergence mark < PVC annotations', () => {
    const nodes = [{ id: 'a', status: 'online' as const }];
    const placement = placementOfPortworx(
      volume({ csiDriver: 'pxd.portworx.com', csiVolumeHandle: '1' }),
      {
        volume: {
          spec: {
            sharedv4: true,
            sharedv4_service_spec: { type: 'SHAREDV4_SERVICE_TYPE_CLUSTERIP' },
            volume_labels: { a: 'spec', b: 'spec', c: 'spec', shared: 'spec' },
          },
          locator: { volume_labels: { b: 'locator', c: 'locator' } },
          replica_sets: [{ nodes: ['a'] }],
        },
        labels: { c: 'answer' },
      },
      nodes,
    );
    expect(placement).toEqual({
      replicaNodeIds: ['a'],
      labels: {
        a: 'spec',
        b: 'locator',
        c: 'answer',
        shared: 'from-pvc',
        owner: 'pvc',
        [PREFER_REMOTE_LABEL]: 'true',
      },
      source: 'portworx',
      storageNodes: nodes,
    });
    expect(placement.storageNodes).toBe(nodes);
    expect(PREFER_REMOTE_LABEL).toBe('kube-converge.io/preferRemoteNode');
  });

  it('lets a PVC annotation switch the mark off', () => {
    const v = volume({ csiDriver: 'pxd.portworx.com', csiVolumeHandle: '1' });
    const withAnnotation = { ...v, pvc: { ...v.pvc!, annotations: { [PREFER_REMOTE_LABEL]: 'false' } } };
    const placement = placementOfPortworx(
      withAnnotation,
      { volume: { spec: { sharedv4: true, sharedv4_service_spec: {} } } },
      [],
    );
    expect(placement.labels[PREFER_REMOTE_LABEL]).toBe('false');
  });
});

describe('decoding gateway JSON leniently', () => {
  it('reads what the definition says and ignores the rest', () => {
    const nodes = decodeNodeEnumerate({
      nodes: [
        {
          id: 'a',
          status: 'STATUS_OK',
          hostname: 'h',
          node_labels: { x: 'y', n: 3 },
          cpu: 1.5,
          pools: [{ uuid: 'p' }],
        },
        { id: 'b', status: 8 }, // an EnumsAsInts gateway
        { hostname: 'no-id' },
        'junk',
      ],
    });
    expect(nodes).toEqual([
      expect.objectContaining({
        id: 'a',
        status: 'STATUS_OK',
        hostname: 'h',
        node_labels: { x: 'y' },
        pools: [{ uuid: 'p', labels: undefined }],
      }),
      expect.objectContaining({ id: 'b', status: 'STATUS_STORAGE_DOWN' }),
    ]);
  });

  it.each([[null], [[]], ['text'], [42]])('rejects a body that is not an object: %j', (body) => {
    expect(decodeNodeEnumerate(body)).toBeUndefined();
    expect(decodeVolumeInspect(body)).toBeUndefined();
  });

  it('reads absent fields as zero values', () => {
    expect(decodeNodeEnumerate({})).toEqual([]);
    const answer = decodeVolumeInspect({
      volume: { id: 'v', spec: { sharedv4: 'yes', volume_labels: 'x' }, replica_sets: [{ nodes: ['a', 7] }] },
    });
    expect(answer?.volume?.spec).toEqual({
      sharedv4: false,
      sharedv4_service_spec: undefined,
      volume_labels: undefined,
      ha_level: undefined,
    });
    expect(answer?.volume?.replica_sets).toEqual([{ nodes: ['a'], pool_uuids: [] }]);
  });
});
