import type { SlimObject } from '../../../src/cluster/store.js';
import { evaluatePod } from '../../../src/extender/evaluate.js';
import {
  DedupingRecorder,
  nonOptimumMessage,
  type EventRecorder,
  type PodEvent,
} from '../../../src/extender/events.js';
import { nodeLabelsSource } from '../../../src/placement/index.js';
import { node, pv, pvc, sc, store } from '../../support/cluster.js';
import { StaticView } from '../../support/static-view.js';

const DRIVER = 'pxd.portworx.com';
const csiNode = (name: string): SlimObject => ({ kind: 'CSINode', obj: { name, drivers: [DRIVER] } });
const replicaNode = (name: string, ...pvs: string[]): SlimObject =>
  node(name, {
    labels: { 'kubernetes.io/hostname': name, ...Object.fromEntries(pvs.map((p) => [p, 'true'])) },
  });

/** Volume `a` on n1, `b` on n2, `shared` (sharedv4 service: prefers remote nodes) on n1, `skipped` on n2. */
const view = StaticView.over(
  store(
    sc('px', DRIVER),
    sc('px-shared', DRIVER, { parameters: { sharedv4: 'true', sharedv4_svc_type: 'ClusterIP' } }),
    replicaNode('n1', 'pv-a', 'pv-shared'),
    replicaNode('n2', 'pv-b', 'pv-skipped'),
    replicaNode('n3'),
    csiNode('n1'),
    csiNode('n2'),
    csiNode('n3'),
    pvc('ns', 'a', { storageClassName: 'px', volumeName: 'pv-a', phase: 'Bound' }),
    pv('pv-a', { csiDriver: DRIVER }),
    pvc('ns', 'b', { storageClassName: 'px', volumeName: 'pv-b', phase: 'Bound' }),
    pv('pv-b', { csiDriver: DRIVER }),
    pvc('ns', 'shared', { storageClassName: 'px-shared', volumeName: 'pv-shared', phase: 'Bound' }),
    pv('pv-shared', { csiDriver: DRIVER }),
    pvc('ns', 'skipped', {
      storageClassName: 'px',
      volumeName: 'pv-skipped',
      phase: 'Bound',
      annotations: { 'kube-converge.io/skipSchedulerScoring': 'true' },
    }),
    pv('pv-skipped', { csiDriver: DRIVER }),
  ),
);

const pod = (claims: string[], annotations: Record<string, string> = {}) => ({
  metadata: { name: 'p', namespace: 'ns', annotations },
  spec: {
    volumes: claims.map((claimName) => ({ name: `v-${claimName}`, persistentVolumeClaim: { claimName } })),
  },
});

async function messageFor(p: unknown, candidates: string[]): Promise<string | undefined> {
  const e = await evaluatePod(p, candidates, {
    view,
    provisioners: new Set([DRIVER]),
    sources: [nodeLabelsSource()],
    scale: 'linear',
  });
  return nonOptimumMessage(e, candidates);
}

describe('nonOptimumMessage', () => {
  it.each([
    ['one volume, its node not offered', ['a'], {}, ['n2', 'n3'], 'a (n1)'],
    ['two volumes, neither node offered', ['a', 'b'], {}, ['n3'], 'a, b (n1, n2)'],
    ['the remote-preferring volume is left out of the names', ['a', 'shared'], {}, ['n3'], 'a (n1)'],
    ['the skipped volume is left out of the names', ['b', 'skipped'], {}, ['n1', 'n3'], 'b (n2)'],
  ])('warns: %s', async (_what, claims, annotations, candidates, names) => {
    const message = await messageFor(pod(claims, annotations), candidates);
    expect(message).toBe(
      `none of the nodes holding volumes ${names} is a candidate; the pod cannot run hyperconverged`,
    );
  });

  it.each([
    ['a replica node is offered', ['a', 'b'], {}, ['n2', 'n3']],
    ['only a remote-preferring volume, its node not offered', ['shared'], {}, ['n2', 'n3']],
    ['only a skipped volume, its node not offered', ['skipped'], {}, ['n1', 'n3']],
    [
      'the pod disabled hyperconvergence',
      ['a'],
      { 'kube-converge.io/disableHyperconvergence': 'true' },
      ['n3'],
    ],
    ['no managed volume', [], {}, ['n3']],
    ['a claim that does not exist', ['ghost'], {}, ['n3']],
  ])('stays quiet: %s', async (_what, claims, annotations, candidates) => {
    expect(await messageFor(pod(claims, annotations), candidates)).toBeUndefined();
  });
});

class Recording implements EventRecorder {
  readonly events: PodEvent[] = [];
  record(event: PodEvent): void {
    this.events.push(event);
  }
}

describe('DedupingRecorder', () => {
  const event = (podName: string, message = 'm', podUid = 'u'): PodEvent => ({
    namespace: 'ns',
    podName,
    podUid,
    reason: 'NonOptimumScheduling',
    message,
  });

  it('drops a repeat within the window and records it again once the window has passed', () => {
    let now = 1_000;
    const inner = new Recording();
    const recorder = new DedupingRecorder(inner, 60_000, () => now);
    recorder.record(event('p'));
    now += 59_999;
    recorder.record(event('p'));
    expect(inner.events).toHaveLength(1);
    now += 1;
    recorder.record(event('p'));
    expect(inner.events).toHaveLength(2);
    // The window restarts from the last recorded event, not the first.
    now += 30_000;
    recorder.record(event('p'));
    expect(inner.events).toHaveLength(2);
  });

  it.each([
    ['another pod', event('q')],
    ['another message', event('p', 'other')],
    ['the same name, a new pod (uid)', event('p', 'm', 'u2')],
  ])('does not merge %s', (_what, second) => {
    const inner = new Recording();
    const recorder = new DedupingRecorder(inner, 60_000, () => 0);
    recorder.record(event('p'));
    recorder.record(second);
    expect(inner.events).toEqual([event('p'), second]);
  });

  it('forgets everything when full rather than growing without bound', () => {
    const inner = new Recording();
    const recorder = new DedupingRecorder(inner, 60_000, () => 0, 2);
    recorder.record(event('a'));
    recorder.record(event('b'));
    recorder.record(event('a'));
    expect(inner.events).toHaveLength(2);
    recorder.record(event('c'));
    recorder.record(event('a'));
    expect(inner.events.map((e) => e.podName)).toEqual(['a', 'b', 'c', 'a']);
  });
});
