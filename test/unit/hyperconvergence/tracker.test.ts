/**
 * The tracker fed pod events the way the pod reflector feeds them (add, modify, delete, relist),
 * classifying through the real resolution and placement path over a real cache.
 */
import { jest } from '@jest/globals';
import type { Convergence } from '../../../src/hyperconvergence/classify.js';
import type { SlimPod } from '../../../src/hyperconvergence/pod.js';
import { ConvergenceTracker, type ClassifyPod } from '../../../src/hyperconvergence/tracker.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { classifierOver, clusterStore, slim } from './fixture.js';

function counted(classify: ClassifyPod): { fn: ClassifyPod; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fn: (pod) => {
      calls.push(`${pod.name}@${pod.uid}`);
      return classify(pod);
    },
  };
}

describe('ConvergenceTracker on pod events', () => {
  it('counts pods by class as they come, change and go', async () => {
    const { fn, calls } = counted(classifierOver(clusterStore()));
    const tracker = new ConvergenceTracker(fn);
    tracker.upsert(slim('p1', 'n1', ['a']));
    tracker.upsert(slim('p2', 'n3', ['a', 'b']));
    tracker.upsert(slim('p3', 'n3', ['a']));
    await tracker.settled();
    expect(tracker.counts()).toEqual({ hyperconverged: 1, partial: 1, none: 1 });

    // A status update (same pod, same node) does not cost a classification.
    tracker.upsert(slim('p3', 'n3', ['a'], { schedulerName: 'default-scheduler' }));
    await tracker.settled();
    expect(calls).toEqual(['p1@uid-p1', 'p2@uid-p2', 'p3@uid-p3']);

    tracker.delete('ns/p2');
    expect(tracker.counts()).toEqual({ hyperconverged: 1, partial: 0, none: 1 });

    tracker.upsert(slim('p1', 'n1', ['a'], { terminating: true }));
    expect(tracker.counts()).toEqual({ hyperconverged: 0, partial: 0, none: 1 });
    expect(tracker.size).toBe(1);
  });

  it('a pod counts once it runs, and stops counting when it finishes', async () => {
    const tracker = new ConvergenceTracker(classifierOver(clusterStore()));
    tracker.upsert(slim('p', 'n1', ['a'], { phase: 'Pending' }));
    await tracker.settled();
    expect(tracker.size).toBe(0);
    tracker.upsert(slim('p', 'n1', ['a']));
    await tracker.settled();
    expect(tracker.placementOf('ns/p')).toBe('hyperconverged');
    tracker.upsert(slim('p', 'n1', ['a'], { phase: 'Succeeded' }));
    expect(tracker.size).toBe(0);
    expect(tracker.counts()).toEqual({ hyperconverged: 0, partial: 0, none: 0 });
  });

  it('a pod recreated under the same name (new uid, new node) is classified again', async () => {
    const tracker = new ConvergenceTracker(classifierOver(clusterStore()));
    tracker.upsert(slim('db-0', 'n1', ['a']));
    await tracker.settled();
    expect(tracker.placementOf('ns/db-0')).toBe('hyperconverged');
    tracker.upsert(slim('db-0', 'n3', ['a'], { uid: 'uid-2' }));
    await tracker.settled();
    expect(tracker.placementOf('ns/db-0')).toBe('none');
  });

  it('a pod without a located volume is tracked but in no class', async () => {
    const tracker = new ConvergenceTracker(classifierOver(clusterStore()));
    tracker.upsert(slim('p', 'n1', ['later']));
    await tracker.settled();
    expect(tracker.size).toBe(1);
    expect(tracker.counts()).toEqual({ hyperconverged: 0, partial: 0, none: 0 });
  });

  it('a relist replaces everything: pods missing from it are gone', async () => {
    const tracker = new ConvergenceTracker(classifierOver(clusterStore()));
    tracker.upsert(slim('p1', 'n1', ['a']));
    tracker.upsert(slim('p2', 'n3', ['a']));
    await tracker.settled();
    tracker.replace([slim('p2', 'n3', ['a']), slim('p4', 'n3', ['a', 'b'])]);
    await tracker.settled();
    expect(tracker.placementOf('ns/p1')).toBeUndefined();
    expect(tracker.counts()).toEqual({ hyperconverged: 0, partial: 1, none: 1 });
  });

  it('resync picks up what pod events cannot show: a replica that moved, a claim that got bound', async () => {
    const store = clusterStore();
    const tracker = new ConvergenceTracker(classifierOver(store), { batchSize: 2 });
    tracker.upsert(slim('p1', 'n3', ['a']));
    tracker.upsert(slim('p2', 'n1', ['later']));
    tracker.upsert(slim('p3', 'n1', ['a']));
    await tracker.settled();
    expect(tracker.counts()).toEqual({ hyperconverged: 1, partial: 0, none: 1 });

    // pv-a's replica moves from n1 to n3; `later` is bound to a PV with a replica on n1.
    const n1 = store.node('n1')!;
    const n3 = store.node('n3')!;
    const { 'pv-a': _gone, ...n1Labels } = n1.labels;
    store.upsert({ kind: 'Node', obj: { ...n1, labels: { ...n1Labels, 'pv-later': 'true' } } });
    store.upsert({ kind: 'Node', obj: { ...n3, labels: { ...n3.labels, 'pv-a': 'true' } } });
    store.upsert({
      kind: 'PersistentVolumeClaim',
      obj: { ...store.pvc('ns', 'later')!, volumeName: 'pv-later', phase: 'Bound' },
    });
    store.upsert({
      kind: 'PersistentVolume',
      obj: { name: 'pv-later', annotations: {}, labels: {}, storageClassName: 'px-wffc' },
    });
    expect(tracker.counts()).toEqual({ hyperconverged: 1, partial: 0, none: 1 });

    await tracker.resync();
    expect(tracker.placementOf('ns/p1')).toBe('hyperconverged');
    expect(tracker.placementOf('ns/p2')).toBe('hyperconverged');
    expect(tracker.placementOf('ns/p3')).toBe('none');
    expect(tracker.counts()).toEqual({ hyperconverged: 2, partial: 0, none: 1 });
  });

  it('a resync already running is joined, not doubled', async () => {
    const { fn, calls } = counted(classifierOver(clusterStore()));
    const tracker = new ConvergenceTracker(fn);
    tracker.upsert(slim('p1', 'n1', ['a']));
    await tracker.settled();
    const first = tracker.resync();
    const second = tracker.resync();
    await Promise.all([first, second]);
    expect(calls).toEqual(['p1@uid-p1', 'p1@uid-p1']);
  });
});

describe('ConvergenceTracker with answers arriving out of order', () => {
  /** A classifier whose answers the test releases one by one. */
  function deferred(): {
    fn: ClassifyPod;
    pending: Array<{ pod: SlimPod; answer: (c: Convergence | undefined) => void; fail: (e: Error) => void }>;
  } {
    const pending: Array<{
      pod: SlimPod;
      answer: (c: Convergence | undefined) => void;
      fail: (e: Error) => void;
    }> = [];
    return {
      pending,
      fn: (pod) => new Promise((answer, fail) => pending.push({ pod, answer, fail })),
    };
  }

  it('an answer for a pod deleted meanwhile is dropped', async () => {
    const d = deferred();
    const tracker = new ConvergenceTracker(d.fn);
    tracker.upsert(slim('p', 'n1', ['a']));
    tracker.delete('ns/p');
    d.pending[0]!.answer('hyperconverged');
    await tracker.settled();
    expect(tracker.counts()).toEqual({ hyperconverged: 0, partial: 0, none: 0 });
  });

  it("a slow answer for the pod's previous incarnation does not overwrite the new one", async () => {
    const d = deferred();
    const tracker = new ConvergenceTracker(d.fn);
    tracker.upsert(slim('p', 'n1', ['a']));
    tracker.upsert(slim('p', 'n3', ['a'], { uid: 'uid-new' }));
    d.pending[1]!.answer('none');
    d.pending[0]!.answer('hyperconverged');
    await tracker.settled();
    expect(tracker.placementOf('ns/p')).toBe('none');
  });

  it('an older classification finishing after a newer one (resync) is ignored', async () => {
    const d = deferred();
    const tracker = new ConvergenceTracker(d.fn);
    tracker.upsert(slim('p', 'n1', ['a']));
    const resync = tracker.resync();
    // Let the resync start its classification.
    await new Promise((r) => setImmediate(r));
    expect(d.pending).toHaveLength(2);
    d.pending[1]!.answer('partial');
    d.pending[0]!.answer('hyperconverged');
    await resync;
    await tracker.settled();
    expect(tracker.placementOf('ns/p')).toBe('partial');
  });

  it('a classification that fails is reported and leaves the pod in no class', async () => {
    const d = deferred();
    const onError = jest.fn();
    const tracker = new ConvergenceTracker(d.fn, { onError });
    tracker.upsert(slim('p', 'n1', ['a']));
    d.pending[0]!.fail(new Error('source down'));
    await tracker.settled();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ name: 'p' }), new Error('source down'));
    expect(tracker.size).toBe(1);
    expect(tracker.counts()).toEqual({ hyperconverged: 0, partial: 0, none: 0 });
  });
});

describe('the kube_converge_pods gauge', () => {
  it('reads the tracker at scrape time', async () => {
    const metrics = new Metrics();
    const tracker = new ConvergenceTracker(classifierOver(clusterStore()));
    metrics.watchPodConvergence(() => tracker.counts());
    tracker.upsert(slim('p1', 'n1', ['a']));
    tracker.upsert(slim('p2', 'n2', ['a']));
    tracker.upsert(slim('p3', 'n1', ['a', 'b']));
    await tracker.settled();
    const text = await metrics.registry.metrics();
    expect(text).toContain('kube_converge_pods{placement="hyperconverged"} 2\n');
    expect(text).toContain('kube_converge_pods{placement="partial"} 1\n');
    expect(text).toContain('kube_converge_pods{placement="none"} 0\n');
    tracker.delete('ns/p1');
    expect(await metrics.registry.metrics()).toContain('kube_converge_pods{placement="hyperconverged"} 1\n');
  });

  it('has no samples when nothing feeds it (--state mode: no pods to watch)', async () => {
    const text = await new Metrics().registry.metrics();
    expect(text).toContain('# TYPE kube_converge_pods gauge');
    expect(text).not.toMatch(/^kube_converge_pods\{/m);
  });
});
