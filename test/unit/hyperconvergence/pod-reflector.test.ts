/**
 * The pod reflector driven through our ListerWatcher interface by a scripted source (no network),
 * as test/unit/cluster/reflector.test.ts drives the cache's reflector. The client-node side
 * (apiPodSource) is left to the e2e suite against a real API server.
 */
import type {
  ListerWatcher,
  ListOptions,
  ListPage,
  WatchRequest,
} from '../../../src/cluster/informer/source.js';
import { SILENT_LOGGER } from '../../../src/cluster/informer/types.js';
import type { Reflector } from '../../../src/cluster/informer/reflector.js';
import { podReflector, type PodSink } from '../../../src/hyperconvergence/pod-reflector.js';
import type { SlimPod } from '../../../src/hyperconvergence/pod.js';
import { watchConvergence } from '../../../src/hyperconvergence/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { nodeLabelsSource } from '../../../src/placement/index.js';
import { StaticView } from '../../support/static-view.js';
import { clusterStore, DRIVER } from './fixture.js';

const rawPod = (name: string, rv: string, nodeName = 'n1') => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv },
  spec: { nodeName, volumes: [{ name: 'd', persistentVolumeClaim: { claimName: `data-${name}` } }] },
  status: { phase: 'Running' },
});

class ScriptedSource implements ListerWatcher {
  items: unknown[] = [];
  resourceVersion = '10';
  listErrors: Error[] = [];
  readonly lists: ListOptions[] = [];
  readonly watches: WatchRequest[] = [];
  list(options: ListOptions): Promise<ListPage> {
    this.lists.push(options);
    const error = this.listErrors.shift();
    if (error !== undefined) return Promise.reject(error);
    const start = options.continueToken ? Number(options.continueToken) : 0;
    const end = options.limit ? start + options.limit : this.items.length;
    return Promise.resolve({
      items: this.items.slice(start, end),
      resourceVersion: this.resourceVersion,
      ...(end < this.items.length ? { continueToken: String(end) } : {}),
    });
  }
  watch(request: WatchRequest): Promise<{ abort(): void }> {
    this.watches.push(request);
    return Promise.resolve({ abort: () => undefined });
  }
  get lastWatch(): WatchRequest {
    const w = this.watches[this.watches.length - 1];
    if (!w) throw new Error('no watch yet');
    return w;
  }
}

class RecordingSink implements PodSink {
  readonly log: string[] = [];
  replace(pods: readonly SlimPod[]): void {
    this.log.push(`replace ${pods.map((p) => p.name).join(',')}`);
  }
  upsert(pod: SlimPod): void {
    this.log.push(`upsert ${pod.name}@${pod.nodeName}`);
  }
  delete(key: string): void {
    this.log.push(`delete ${key}`);
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function reflectorOver(source: ScriptedSource, sink: RecordingSink): Reflector<SlimPod> {
  return podReflector({
    source,
    sink,
    logger: SILENT_LOGGER,
    pageSize: 2,
    listTimeoutMs: 1_000,
    backoff: { initialMs: 1, maxMs: 2 },
    watchTimeoutSeconds: () => 300,
    watchGraceMs: 1_000,
    now: Date.now,
    random: () => 0.5,
  });
}

describe('podReflector', () => {
  it('lists every page into one replace, then applies watch events in order', async () => {
    const source = new ScriptedSource();
    source.items = [rawPod('a', '1'), rawPod('b', '2'), { metadata: { name: 'broken' } }, rawPod('c', '3')];
    const sink = new RecordingSink();
    const reflector = reflectorOver(source, sink);
    reflector.start();
    try {
      await until(() => source.watches.length === 1, 'the first watch');
      expect(reflector.synced).toBe(true);
      expect(reflector.health()).toMatchObject({ kind: 'Pod', synced: true, watching: true, failures: 0 });
      expect(source.lists.map((l) => l.continueToken)).toEqual([undefined, '2']);
      expect(sink.log).toEqual(['replace a,b,c']);
      expect(source.lastWatch.resourceVersion).toBe('10');

      source.lastWatch.onEvent('ADDED', rawPod('d', '11', 'n2'));
      source.lastWatch.onEvent('MODIFIED', rawPod('a', '12'));
      source.lastWatch.onEvent('DELETED', rawPod('b', '13'));
      source.lastWatch.onEvent('BOOKMARK', { metadata: { resourceVersion: '20' } });
      source.lastWatch.onEvent('ADDED', { metadata: { name: 'no-namespace', resourceVersion: '21' } });
      expect(sink.log.slice(1)).toEqual(['upsert d@n2', 'upsert a@n1', 'delete ns/b']);
      expect(reflector.reflectorState.resourceVersion).toBe('21');

      // The server ends the watch: the next one resumes where the last event left off.
      source.lastWatch.onDone(null);
      await until(() => source.watches.length === 2, 'the second watch');
      expect(source.lastWatch.resourceVersion).toBe('21');
    } finally {
      await reflector.stop();
    }
  });

  it('relists when the watch says its resourceVersion is gone (410)', async () => {
    const source = new ScriptedSource();
    source.items = [rawPod('a', '1')];
    const sink = new RecordingSink();
    const reflector = reflectorOver(source, sink);
    reflector.start();
    try {
      await until(() => source.watches.length === 1, 'the first watch');
      source.items = [rawPod('b', '30')];
      source.resourceVersion = '30';
      source.lastWatch.onEvent('ERROR', {
        kind: 'Status',
        code: 410,
        reason: 'Expired',
        message: 'too old resource version',
      });
      await until(() => source.watches.length === 2, 'the watch after the relist');
      expect(sink.log).toEqual(['replace a', 'replace b']);
      expect(source.lastWatch.resourceVersion).toBe('30');
    } finally {
      await reflector.stop();
    }
  });

  it('retries a failed list after a backoff and stops cleanly', async () => {
    const source = new ScriptedSource();
    source.listErrors = [Object.assign(new Error('forbidden'), { code: 403 })];
    source.items = [rawPod('a', '1')];
    const sink = new RecordingSink();
    const reflector = reflectorOver(source, sink);
    reflector.start();
    await until(() => source.watches.length === 1, 'the watch after the retried list');
    expect(source.lists.length).toBe(2);
    expect(sink.log).toEqual(['replace a']);
    await reflector.stop();
    const lists = source.lists.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(source.lists.length).toBe(lists);
  });
});

describe('watchConvergence: the pieces wired as serve wires them', () => {
  const scheduled = (name: string, rv: string, nodeName: string, claim: string) => ({
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv },
    spec: { nodeName, volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] },
    status: { phase: 'Running' },
  });

  it('lists pods only once the cache has synced, then follows events and resyncs', async () => {
    const view = StaticView.over(clusterStore());
    view.synced = false;
    const source = new ScriptedSource();
    source.items = [scheduled('p1', '1', 'n1', 'a'), scheduled('p2', '2', 'n3', 'a')];
    const watch = watchConvergence({
      source,
      view,
      provisioners: new Set([DRIVER]),
      sources: [nodeLabelsSource()],
      logger: silentLogger(),
      resyncMs: 20,
      syncPollMs: 5,
    });
    try {
      await new Promise((r) => setTimeout(r, 30));
      expect(source.lists).toHaveLength(0);
      view.synced = true;
      await until(() => source.watches.length === 1, 'the pod watch');
      await watch.tracker.settled();
      expect(watch.tracker.counts()).toEqual({ hyperconverged: 1, partial: 0, none: 1 });

      source.lastWatch.onEvent('ADDED', scheduled('p3', '3', 'n3', 'b'));
      await watch.tracker.settled();
      expect(watch.tracker.counts()).toEqual({ hyperconverged: 2, partial: 0, none: 1 });

      // The replica of pv-a appears on n3: only a resync can notice.
      const n3 = view.node('n3')!;
      view.upsert({ kind: 'Node', obj: { ...n3, labels: { ...n3.labels, 'pv-a': 'true' } } });
      await until(() => watch.tracker.counts().hyperconverged === 3, 'the resync');
      expect(watch.tracker.counts()).toEqual({ hyperconverged: 3, partial: 0, none: 0 });
    } finally {
      await watch.stop();
    }
  });
});
