/**
 * Stork's extender scenarios (libopenstorage/stork pkg/extender/extender_test.go), with the same
 * numbers: nodePriorityScore 100, rack 50, zone 25, region 10, default 5, storage-down half (integer
 * part). Each row names the Stork test it reproduces. Where Stork's expectation differs from
 * scoring.md, the row says so and follows scoring.md.
 */
import { FILTER_REASON } from '../../../src/scoring/index.js';
import {
  SHAREDV4_SVC,
  STORK,
  runScenario,
  scoresOf,
  type NodeSpec,
  type Scenario,
} from './cluster-fixture.js';

const RACKS: NodeSpec[] = [
  ['n1', 'r1'],
  ['n2', 'r2'],
  ['n3', 'r1'],
  ['n4', 'r2'],
  ['n5', 'r3'],
];
const RACKS_MULTI: NodeSpec[] = [
  ['n1', 'r1'],
  ['n2', 'r2'],
  ['n3', 'r3'],
  ['n4', 'r1'],
  ['n5', 'r2'],
];
const ZONES: NodeSpec[] = [
  ['n1', 'r1', 'a'],
  ['n2', 'r2', 'a'],
  ['n3', 'r1', 'b'],
  ['n4', 'r2', 'b'],
  ['n5', 'r1', 'c'],
];
const REGIONS: NodeSpec[] = [
  ['n1', 'r1', 'a', 'e1'],
  ['n2', 'r2', 'a', 'e1'],
  ['n3', 'r1', 'b', 'e1'],
  ['n4', 'r2', 'b', 'e2'],
  ['n5', 'r1', 'c', 'e2'],
];
const REGIONS_SD: NodeSpec[] = [
  ['n1', 'r1', 'a', 'e1'],
  ['n2', 'r2', 'c', 'e1'],
  ['n3', 'r1', 'b', 'e1'],
  ['n4', 'r2', 'b', 'e2'],
  ['n5', 'r1', 'c', 'e2'],
];
const six = (topology: (i: number) => [string, string, string]): NodeSpec[] =>
  [1, 2, 3, 4, 5, 6].map((i) => [`n${i}`, ...topology(i)]);
const TWO_ZONES = six((i) => (i <= 3 ? ['rack1', 'a', 'zone1'] : ['rack2', 'b', 'zone2']));
const ONE_RACK = six(() => ['rack1', 'a', 'zone1']);
const FIVE_AND_ONE = six((i) => (i <= 5 ? ['rack1', 'a', 'zone1'] : ['rack2', 'b', 'zone2']));
const N123 = ['n1', 'n2', 'n3'];
const N456 = ['n4', 'n5', 'n6'];

const twoVolumes = (nodes: NodeSpec[], extra: Partial<Scenario> = {}): Scenario => ({
  nodes,
  volumes: [
    { name: 'v1', replicas: ['n1', 'n2'] },
    { name: 'v2', replicas: ['n2', 'n3'] },
  ],
  ...extra,
});

describe('prioritize: Stork scenarios, raw scores', () => {
  it.each<[string, Scenario, number[]]>([
    [
      'singleVolumeTest',
      { nodes: RACKS, volumes: [{ name: 'v', replicas: ['n1', 'n2'] }] },
      [100, 100, 50, 50, 5],
    ],
    ['multipleVolumeTest', twoVolumes(RACKS_MULTI), [100, 200, 100, 50, 100]],
    [
      'multipleVolumeSkipTest',
      {
        nodes: RACKS_MULTI,
        volumes: [
          { name: 'included', replicas: ['n1', 'n2'] },
          { name: 'excluded', replicas: ['n2', 'n3'], annotations: { [STORK.skip]: 'true' } },
        ],
      },
      [100, 100, 5, 50, 50],
    ],
    // Stork's test also sets the skip annotation on vol2's PVC, but its mock reads skip from the
    // driver's volume labels (none here), so vol2 is scored; reproduced without the annotation.
    [
      'multipleVolumeStorageDownTest',
      twoVolumes(RACKS_MULTI, { status: { n3: 'storage-down' } }),
      [100, 200, 25, 50, 100],
    ],
    [
      'noVolumeNodeTest (replicas outside the candidates)',
      {
        nodes: [
          ['n3', 'r1'],
          ['n4', 'r3'],
          ['n5', 'r4'],
          ['n1', 'r1'],
          ['n2', 'r2'],
        ],
        volumes: [{ name: 'v', replicas: ['n1', 'n2'] }],
        candidates: ['n3', 'n4', 'n5'],
      },
      [50, 5, 5],
    ],
    [
      'driverNodeErrorStateTest (offline replica gives no locality)',
      {
        nodes: RACKS,
        volumes: [{ name: 'v', replicas: ['n1', 'n2'] }],
        status: { n1: 'offline' },
        candidates: ['n2', 'n3', 'n4', 'n5'],
      },
      [100, 5, 50, 5],
    ],
    ['zoneTest', twoVolumes(ZONES), [125, 200, 100, 25, 5]],
    ['zoneStorageDownNodeTest', twoVolumes(ZONES, { status: { n1: 'storage-down' } }), [37, 200, 100, 25, 5]],
    ['regionTest', twoVolumes(REGIONS), [125, 200, 110, 5, 5]],
    // Stork's test expects 125 for n1, but its assertion never runs (node names differ from the
    // hostnames it compares); its own algorithm, like scoring.md, gives 100 + region 10 = 110.
    [
      'regionStorageDownNodeTest',
      twoVolumes(REGIONS_SD, { status: { n3: 'storage-down' } }),
      [110, 200, 30, 5, 5],
    ],
    [
      'WFFCMultiVolumeTest (a pending WaitForFirstConsumer claim is not scored)',
      {
        nodes: [
          ['n1', 'rack1', 'a', 'us-east-1'],
          ['n2', 'rack1', 'a', 'us-east-1'],
          ['n3', 'rack1', 'a', 'us-east-1'],
        ],
        volumes: [
          { name: 'wffc', phase: 'Pending', bindingMode: 'WaitForFirstConsumer' },
          { name: 'normal', replicas: ['n2'] },
        ],
      },
      [50, 100, 50],
    ],
    [
      'WFFCVolumeTest',
      {
        nodes: RACKS.slice(0, 3),
        volumes: [{ name: 'wffc', phase: 'Pending', bindingMode: 'WaitForFirstConsumer' }],
      },
      [5, 5, 5],
    ],
    ['noPVCTest', { nodes: RACKS.slice(0, 3), volumes: [] }, [5, 5, 5]],
    [
      'noDriverVolumeTest (an unmanaged claim)',
      {
        nodes: RACKS.slice(0, 3),
        volumes: [{ name: 'other', replicas: ['n1'], provisioner: 'ebs.csi.aws.com' }],
      },
      [5, 5, 5],
    ],
    [
      'disableHyperConvergenceTest',
      {
        nodes: TWO_ZONES,
        volumes: [{ name: 'v', replicas: N123, params: SHAREDV4_SVC }],
        podAnnotations: { [STORK.preferLocalNodeOnly]: 'true', [STORK.disableHyperconvergence]: 'true' },
      },
      [5, 5, 5, 5, 5, 5],
    ],
    [
      'antiHyperConvergenceTest',
      { nodes: TWO_ZONES, volumes: [{ name: 'svc', replicas: N123, params: SHAREDV4_SVC }] },
      [5, 5, 5, 100, 100, 100],
    ],
    [
      'multiVolumeAntiHyperConvergenceTest',
      {
        nodes: ONE_RACK,
        volumes: [
          { name: 'hc', replicas: N123 },
          { name: 'svc', replicas: N456, params: SHAREDV4_SVC },
        ],
      },
      [200, 200, 200, 5, 5, 5],
    ],
    [
      'multiVolume2AntiHyperConvergenceTest',
      {
        nodes: FIVE_AND_ONE,
        volumes: [
          { name: 'hc', replicas: N123 },
          { name: 'svc', replicas: ['n3', 'n4', 'n5'], params: SHAREDV4_SVC },
        ],
      },
      [200, 200, 5, 5, 5, 100],
    ],
    [
      'multiVolume3PreferRemoteOnlyAntiHyperConvergenceTest (prioritize on the filtered nodes)',
      {
        nodes: TWO_ZONES,
        volumes: [
          { name: 'hc', replicas: N123 },
          { name: 'svc', replicas: N123, params: { ...SHAREDV4_SVC, [STORK.preferRemoteNodeOnly]: 'true' } },
        ],
        candidates: N456,
      },
      [100, 100, 100],
    ],
    [
      'multiVolume4PreferRemoteNodeAntiHyperConvergenceTest (prioritize on the filtered nodes)',
      {
        nodes: TWO_ZONES,
        volumes: [
          { name: 'hc', replicas: N123 },
          {
            name: 'svc41',
            replicas: N456,
            params: {
              ...SHAREDV4_SVC,
              [STORK.preferRemoteNodeOnly]: 'true',
              [STORK.preferRemoteNode]: 'false',
            },
          },
          {
            name: 'svc42',
            replicas: ['n3'],
            params: {
              ...SHAREDV4_SVC,
              [STORK.preferRemoteNodeOnly]: 'true',
              [STORK.preferRemoteNode]: 'true',
            },
          },
        ],
        candidates: ['n1', 'n2', 'n4', 'n5', 'n6'],
      },
      [200, 200, 200, 200, 200],
    ],
    [
      'multiVolumeSkipHyperConvergedVolumesScoringTest',
      {
        nodes: ONE_RACK,
        volumes: [
          { name: 'hc', replicas: N123, annotations: { [STORK.skip]: 'true' } },
          { name: 'svc', replicas: N456, params: SHAREDV4_SVC },
        ],
      },
      [100, 100, 100, 5, 5, 5],
    ],
    [
      'multiVolumeSkipAllVolumeScoringTest',
      {
        nodes: ONE_RACK,
        volumes: [
          { name: 'hc', replicas: N123, annotations: { [STORK.skip]: 'true' } },
          { name: 'svc', replicas: N456, params: SHAREDV4_SVC, annotations: { [STORK.skip]: 'true' } },
        ],
      },
      [5, 5, 5, 5, 5, 5],
    ],
    [
      'multiVolumeWithStorageDownNodesAntiHyperConvergenceTest',
      {
        nodes: ONE_RACK,
        volumes: [
          { name: 'hc', replicas: N123 },
          { name: 'svc', replicas: N456, params: SHAREDV4_SVC },
        ],
        status: { n4: 'storage-down' },
      },
      [200, 200, 200, 5, 5, 5],
    ],
  ])('%s', async (_name, scenario, expected) => {
    const result = await runScenario(scenario);
    expect(scoresOf(result)).toEqual(expected);
  });
});

describe('filter: Stork scenarios', () => {
  it.each<[string, Scenario, string[], boolean]>([
    [
      'singleVolumeTest',
      { nodes: RACKS, volumes: [{ name: 'v', replicas: ['n1', 'n2'] }] },
      ['n1', 'n2', 'n3', 'n4', 'n5'],
      false,
    ],
    [
      'driverNodeErrorStateTest (offline node fails)',
      { nodes: RACKS, volumes: [{ name: 'v', replicas: ['n1', 'n2'] }], status: { n1: 'offline' } },
      ['n2', 'n3', 'n4', 'n5'],
      false,
    ],
    [
      'multipleVolumeStorageDownTest (storage-down nodes pass)',
      twoVolumes(RACKS_MULTI, { status: { n3: 'storage-down' } }),
      ['n1', 'n2', 'n3', 'n4', 'n5'],
      false,
    ],
    [
      'noDriverNodeTest (only non-driver candidates)',
      {
        nodes: [
          ['n4', 'r3'],
          ['n5', 'r4'],
          ['n1', 'r1'],
          ['n2', 'r2'],
          ['n3', 'r1'],
        ],
        volumes: [{ name: 'v', replicas: ['n1', 'n2'] }],
        nonDriver: ['n4', 'n5'],
        candidates: ['n4', 'n5'],
      },
      [],
      false,
    ],
    [
      'WFFCVolumeTest',
      {
        nodes: RACKS.slice(0, 3),
        volumes: [{ name: 'w', phase: 'Pending', bindingMode: 'WaitForFirstConsumer' }],
      },
      ['n1', 'n2', 'n3'],
      false,
    ],
    [
      'preferLocalNodeTest without the annotation',
      {
        nodes: [
          ['n2', 'r2'],
          ['n3', 'r1'],
          ['n1', 'r1'],
        ],
        volumes: [{ name: 'v', replicas: ['n1'] }],
        candidates: ['n2', 'n3'],
      },
      ['n2', 'n3'],
      false,
    ],
    [
      'preferLocalNodeTest with preferLocalNodeOnly (no candidate holds the replica)',
      {
        nodes: [
          ['n2', 'r2'],
          ['n3', 'r1'],
          ['n1', 'r1'],
        ],
        volumes: [{ name: 'v', replicas: ['n1'] }],
        candidates: ['n2', 'n3'],
        podAnnotations: { [STORK.preferLocalNodeOnly]: 'true' },
      },
      [],
      true,
    ],
    [
      'preferLocalNodeWithHyperConvergedVolumesTest',
      {
        nodes: TWO_ZONES,
        volumes: [{ name: 'v', replicas: N123 }],
        podAnnotations: { [STORK.preferLocalNodeOnly]: 'true' },
      },
      N123,
      false,
    ],
    [
      'preferLocalNodeIgnoredWithAntiHyperConvergenceTest',
      {
        nodes: TWO_ZONES,
        volumes: [{ name: 'svc', replicas: N123, params: SHAREDV4_SVC }],
        podAnnotations: { [STORK.preferLocalNodeOnly]: 'true' },
      },
      [...N123, ...N456],
      false,
    ],
    [
      'disableHyperConvergenceTest',
      {
        nodes: TWO_ZONES,
        volumes: [{ name: 'svc', replicas: N123, params: SHAREDV4_SVC }],
        podAnnotations: { [STORK.preferLocalNodeOnly]: 'true', [STORK.disableHyperconvergence]: 'true' },
      },
      [...N123, ...N456],
      false,
    ],
    [
      'preferRemoteNodeOnlyIgnoredForHyperConvergedVolumesTest',
      {
        nodes: TWO_ZONES,
        volumes: [{ name: 'v', replicas: N123, params: { [STORK.preferRemoteNodeOnly]: 'true' } }],
      },
      [...N123, ...N456],
      false,
    ],
    [
      'preferRemoteNodeOnlyFailedSchedulingTest',
      {
        nodes: ONE_RACK.slice(0, 3),
        volumes: [
          { name: 'svc', replicas: N123, params: { ...SHAREDV4_SVC, [STORK.preferRemoteNodeOnly]: 'true' } },
        ],
      },
      [],
      true,
    ],
    [
      'preferRemoteNodeOnlyAntiHyperConvergenceTest',
      {
        nodes: TWO_ZONES,
        volumes: [
          { name: 'svc', replicas: N123, params: { ...SHAREDV4_SVC, [STORK.preferRemoteNodeOnly]: 'true' } },
        ],
      },
      N456,
      false,
    ],
    [
      'preferRemoteNodeOnlyAntiHyperConvergenceTest, n4 offline',
      {
        nodes: TWO_ZONES,
        volumes: [
          { name: 'svc', replicas: N123, params: { ...SHAREDV4_SVC, [STORK.preferRemoteNodeOnly]: 'true' } },
        ],
        status: { n4: 'offline' },
      },
      ['n5', 'n6'],
      false,
    ],
    [
      'preferRemoteNodeOnlyAntiHyperConvergenceTest, n4 offline, n5 and n6 storage-down',
      {
        nodes: TWO_ZONES,
        volumes: [
          { name: 'svc', replicas: N123, params: { ...SHAREDV4_SVC, [STORK.preferRemoteNodeOnly]: 'true' } },
        ],
        status: { n4: 'offline', n5: 'storage-down', n6: 'storage-down' },
      },
      ['n5', 'n6'],
      false,
    ],
    [
      'preferRemoteNodeFalseAntiHyperConvergenceFilterTest',
      {
        nodes: TWO_ZONES,
        volumes: [
          {
            name: 'svc',
            replicas: N123,
            params: {
              ...SHAREDV4_SVC,
              [STORK.preferRemoteNodeOnly]: 'true',
              [STORK.preferRemoteNode]: 'false',
            },
          },
        ],
      },
      [...N123, ...N456],
      false,
    ],
    [
      'offlineNodesAntiHyperConvergenceTest',
      {
        nodes: TWO_ZONES,
        volumes: [{ name: 'svc', replicas: N123, params: SHAREDV4_SVC }],
        status: { n1: 'offline', n4: 'offline' },
      },
      ['n2', 'n3', 'n5', 'n6'],
      false,
    ],
    [
      'multiVolume3PreferRemoteOnlyAntiHyperConvergenceTest',
      {
        nodes: TWO_ZONES,
        volumes: [
          { name: 'hc', replicas: N123 },
          { name: 'svc', replicas: N123, params: { ...SHAREDV4_SVC, [STORK.preferRemoteNodeOnly]: 'true' } },
        ],
      },
      N456,
      false,
    ],
    [
      'multiVolume4PreferRemoteNodeAntiHyperConvergenceTest',
      {
        nodes: TWO_ZONES,
        volumes: [
          { name: 'hc', replicas: N123 },
          {
            name: 'svc41',
            replicas: N456,
            params: {
              ...SHAREDV4_SVC,
              [STORK.preferRemoteNodeOnly]: 'true',
              [STORK.preferRemoteNode]: 'false',
            },
          },
          {
            name: 'svc42',
            replicas: ['n3'],
            params: {
              ...SHAREDV4_SVC,
              [STORK.preferRemoteNodeOnly]: 'true',
              [STORK.preferRemoteNode]: 'true',
            },
          },
        ],
      },
      ['n1', 'n2', 'n4', 'n5', 'n6'],
      false,
    ],
  ])('%s', async (_name, scenario, passed, unresolvable) => {
    const result = await runScenario(scenario);
    expect(result.filter.error).toBeUndefined();
    expect(result.filter.passed).toEqual(passed);
    expect(result.filter.unresolvable).toBe(unresolvable);
    const candidates = scenario.candidates ?? scenario.nodes.map(([name]) => name);
    expect(Object.keys(result.filter.failed).sort()).toEqual(
      candidates.filter((n) => !passed.includes(n)).sort(),
    );
  });

  it('noReplicasTest: every replica offline fails every node, unresolvable', async () => {
    const result = await runScenario({
      nodes: RACKS.slice(0, 3),
      volumes: [{ name: 'data', replicas: ['n1'] }],
      status: { n1: 'offline' },
    });
    const reason = FILTER_REASON.noOnlineReplica('data');
    expect(reason).toBe('no online node holds a replica of volume data');
    expect(result.filter).toEqual({
      passed: [],
      failed: { n1: reason, n2: reason, n3: reason },
      unresolvable: true,
    });
  });

  it('a pending Immediate claim answers an error (Stork: "Waiting for PVC to be bound")', async () => {
    const result = await runScenario({
      nodes: RACKS.slice(0, 3),
      volumes: [
        { name: 'ready', replicas: ['n1'] },
        { name: 'late', phase: 'Pending', bindingMode: 'Immediate' },
      ],
    });
    expect(result.filter).toEqual({
      error: 'waiting for PVC default/late to be bound',
      passed: [],
      failed: {},
      unresolvable: false,
    });
  });
});
