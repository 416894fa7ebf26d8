/**
 * The reflector loop and InformerView driven through our own ListerWatcher interface by a scripted
 * source (no network): the test decides what each list returns and which events each watch sees.
 * The client-node side of that interface (./api-source.ts) is exercised by the e2e suite against a
 * real API server.
 */
import { jest } from '@jest/globals';
import type {
  ListerWatcher,
  ListOptions,
  ListPage,
  WatchRequest,
} from '../../../src/cluster/informer/source.js';
import type { ClusterLogger } from '../../../src/cluster/informer/types.js';
import {
  InformerView,
  kindReflector,
  OBJECT_KINDS,
  type KindReflectorOptions,
} from '../../../src/cluster/informer/view.js';
import { MemoryStore } from '../../../src/cluster/store.js';
import type { ObjectKind } from '../../../src/cluster/types.js';
import { KubeConfig } from '@kubernetes/client-node';

const pv = (name: string, rv: string, driver = 'pxd.portworx.com') => ({
  metadata: { name, resourceVersion: rv },
  spec: { csi: { driver, volumeHandle: name } },
});

class ScriptedWatch {
  ended = false;
  aborted = false;
  constructor(readonly request: WatchRequest) {}
  emit(type: string, object: unknown): void {
    this.request.onEvent(type, object);
  }
  end(err: unknown = null): void {
    this.ended = true;
    this.request.onDone(err);
  }
}

/** One kind's API, as scripted by the test. */
class ScriptedSource implements ListerWatcher {
  items: unknown[] = [];
  resourceVersion = '10';
  /** Thrown by the next list calls, in order. */
  listErrors: Error[] = [];
  /** Thrown by the next watch calls (as onDone errors), in order. */
  watchErrors: unknown[] = [];
  readonly lists: ListOptions[] = [];
  readonly watches: ScriptedWatch[] = [];

  list(options: ListOptions): Promise<ListPage> {
    this.lists.push(options);
    const error = this.listErrors.shift();
    if (error !== undefined) return Promise.reject(error);
    const start = options.continueToken ? Number(options.continueToken) : 0;
    const end = options.limit ? start + options.limit : this.items.length;
    const more = end < this.items.length;
    return Promise.resolve({
      items: this.items.slice(start, end),
      resourceVersion: this.resourceVersion,
      ...(more ? { continueToken: String(end) } : {}),
    });
  }

  watch(request: WatchRequest): Promise<{ abort(): void }> {
    const w = new ScriptedWatch(request);
    this.watches.push(w);
    const error = this.watchErrors.shift();
    if (error !== undefined) w.end(error);
    return Promise.resolve({ abort: () => (w.aborted = true) });
  }

  get lastWatch(): ScriptedWatch {
    const w = this.watches[this.watches.length - 1];
    if (!w) throw new Error('no watch yet');
    return w;
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const logger = (): ClusterLogger & { lines: string[] } => {
  const lines: string[] = [];
  return {
    lines,
    info: (_o, msg) => lines.push(`info ${msg}`),
    warn: (_o, msg) => lines.push(`warn ${msg}`),
    error: (_o, msg) => lines.push(`error ${msg}`),
  };
};

function reflector(source: ScriptedSource, over: Partial<KindReflectorOptions> = {}) {
  const relists: string[] = [];
  const watchErrors: string[] = [];
  const store = new MemoryStore();
  const r = kindReflector('PersistentVolume', store, {
    source,
    logger: logger(),
    metrics: { onRelist: (k) => relists.push(k), onWatchError: (_k, reason) => watchErrors.push(reason) },
    pageSize: 2,
    listTimeoutMs: 1000,
    backoff: { initialMs: 2, maxMs: 4 },
    watchTimeoutSeconds: () => 300,
    watchGraceMs: 0,
    now: Date.now,
    random: () => 0.5,
    onSynced: () => {},
    ...over,
  });
  return { r, store, relists, watchErrors };
}

describe('Reflector', () => {
  let source: ScriptedSource;
  let harness: ReturnType<typeof reflector>;

  beforeEach(() => {
    source = new ScriptedSource();
    source.items = [pv('a', '1'), pv('b', '2'), pv('c', '3'), pv('d', '4'), pv('e', '5')];
    harness = reflector(source);
  });
  afterEach(async () => harness.r.stop());

  it('lists in pages, fills the store, then watches from the list resourceVersion', async () => {
    let synced = 0;
    harness = reflector(source, { onSynced: () => synced++ });
    harness.r.start();
    await until(() => source.watches.length === 1, 'the first watch');
    expect(source.lists.map((l) => [l.limit, l.continueToken])).toEqual([
      [2, undefined],
      [2, '2'],
      [2, '4'],
    ]);
    expect([...harness.store.pvsByName.keys()]).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(source.lastWatch.request.resourceVersion).toBe('10');
    expect(synced).toBe(1);
    expect(harness.r.health()).toMatchObject({
      kind: 'PersistentVolume',
      synced: true,
      watching: true,
      failures: 0,
    });
  });

  it('applies ADDED, MODIFIED, DELETED and tracks BOOKMARK resourceVersions', async () => {
    harness.r.start();
    await until(() => source.watches.length === 1, 'the watch');
    const w = source.lastWatch;
    w.emit('ADDED', pv('f', '11'));
    w.emit('MODIFIED', pv('a', '12', 'other.csi'));
    w.emit('DELETED', pv('b', '13'));
    w.emit('BOOKMARK', { metadata: { resourceVersion: '20' } });
    expect(harness.store.pv('f')?.csiDriver).toBe('pxd.portworx.com');
    expect(harness.store.pv('a')?.csiDriver).toBe('other.csi');
    expect(harness.store.pv('b')).toBeUndefined();
    expect(harness.r.reflectorState.resourceVersion).toBe('20');

    // The server ends the watch normally: re-watch from the bookmark, no relist.
    w.end(null);
    await until(() => source.watches.length === 2, 're-watch');
    expect(source.lastWatch.request.resourceVersion).toBe('20');
    expect(source.lists).toHaveLength(3);
    expect(harness.relists).toEqual(['PersistentVolume']);
  });

  it('a watch ERROR 410 relists, and the relist drops what was deleted meanwhile', async () => {
    harness.r.start();
    await until(() => source.watches.length === 1, 'the watch');
    source.items = [pv('a', '30'), pv('z', '31')];
    source.resourceVersion = '40';
    source.lastWatch.emit('ERROR', {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 10 (35)',
    });
    expect(source.watches[0]!.aborted).toBe(true);
    await until(() => source.watches.length === 2, 'the watch after the relist');
    expect([...harness.store.pvsByName.keys()]).toEqual(['a', 'z']);
    expect(source.lastWatch.request.resourceVersion).toBe('40');
    expect(harness.relists).toHaveLength(2);
    expect(harness.watchErrors).toEqual(['expired']);
  });

  it('a dropped connection re-watches from the last resourceVersion, keeping the cache', async () => {
    harness.r.start();
    await until(() => source.watches.length === 1, 'the watch');
    source.lastWatch.emit('MODIFIED', pv('c', '15'));
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    source.watchErrors = [refused, refused];
    source.lastWatch.end(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await until(() => source.watches.length === 4, 'three re-watches');
    expect(source.watches.slice(1).map((w) => w.request.resourceVersion)).toEqual(['15', '15', '15']);
    expect(source.lists).toHaveLength(3); // no relist
    expect(harness.store.sizes().pvs).toBe(5);
    expect(harness.watchErrors).toEqual(['failed', 'failed', 'failed']);
    expect(harness.r.health().watching).toBe(true);
  });

  it('a re-watch answered with HTTP 410 relists', async () => {
    harness.r.start();
    await until(() => source.watches.length === 1, 'the watch');
    source.watchErrors = [Object.assign(new Error('Gone'), { statusCode: 410 })];
    source.lastWatch.end(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await until(() => source.watches.length === 3, 'the watch after the relist');
    expect(source.lists).toHaveLength(6); // two full paged lists
    expect(harness.watchErrors).toEqual(['failed', 'expired']);
  });

  it('an expired continue token restarts the list unpaged', async () => {
    // The first page succeeds; the second, with a continue token, is 410 Gone.
    const original = source.list.bind(source);
    source.list = (options) =>
      source.lists.length === 1
        ? (source.lists.push(options),
          Promise.reject(Object.assign(new Error('HTTP-Code: 410'), { code: 410 })))
        : original(options);
    harness.r.start();
    await until(() => source.watches.length === 1, 'the watch');
    expect(source.lists.map((l) => [l.limit, l.continueToken])).toEqual([
      [2, undefined],
      [2, '2'],
      [undefined, undefined],
    ]);
    expect(harness.store.sizes().pvs).toBe(5);
  });

  it('a failing list retries with backoff and is not synced until it succeeds', async () => {
    source.listErrors = [new Error('HTTP-Code: 503'), new Error('HTTP-Code: 503')];
    harness.r.start();
    await until(() => source.lists.length >= 2, 'a retry');
    await until(() => source.watches.length === 1, 'the watch');
    expect(harness.r.health().synced).toBe(true);
    expect(harness.r.health().lastSyncTime).toBeDefined();
  });

  it('a list without a resourceVersion is not watched from ""', async () => {
    source.resourceVersion = '';
    harness.r.start();
    await until(() => source.lists.length >= 6, 'retries');
    expect(source.watches).toHaveLength(0);
    expect(harness.r.health()).toMatchObject({
      synced: false,
      lastError: 'the list carried no resourceVersion',
    });
  });

  it('skips malformed objects from the API instead of failing the list', async () => {
    source.items = [pv('a', '1'), { metadata: {} }, { metadata: { name: 'bad' }, spec: { csi: 'x' } }];
    harness.r.start();
    await until(() => source.watches.length === 1, 'the watch');
    expect([...harness.store.pvsByName.keys()]).toEqual(['a']);
  });

  it('stop() aborts the open watch and ends the loop', async () => {
    harness.r.start();
    await until(() => source.watches.length === 1, 'the watch');
    await harness.r.stop();
    expect(source.lastWatch.aborted).toBe(true);
    expect(harness.r.health().watching).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(source.watches).toHaveLength(1);
  });

  it('a watch the server never ends is declared dead by the watchdog', async () => {
    harness = reflector(source, { watchTimeoutSeconds: () => 0, watchGraceMs: 5 });
    harness.r.start();
    await until(() => source.watches.length >= 2, 'a second watch after the watchdog');
    expect(source.watches[0]!.aborted).toBe(true);
    expect(source.watches[0]!.request.timeoutSeconds).toBe(0);
    expect(harness.watchErrors[0]).toBe('failed');
  });
});

describe('InformerView', () => {
  const sources = (): Record<ObjectKind, ScriptedSource> =>
    Object.fromEntries(OBJECT_KINDS.map((k) => [k, new ScriptedSource()])) as Record<
      ObjectKind,
      ScriptedSource
    >;

  const liveReader = () => ({
    readPVC: jest.fn<(ns: string, name: string, s: AbortSignal) => Promise<unknown>>(),
    readPV: jest.fn<(name: string, s: AbortSignal) => Promise<unknown>>(),
    readStorageClass: jest.fn<(name: string, s: AbortSignal) => Promise<unknown>>(),
  });

  function view(src = sources(), live = liveReader(), liveReadTimeoutMs = 1000) {
    const log = logger();
    const reads: string[] = [];
    const v = new InformerView(new KubeConfig(), {
      logger: log,
      metrics: { onLiveRead: (kind, result) => reads.push(`${kind} ${result}`) },
      sources: src,
      liveReader: live,
      backoff: { initialMs: 2, maxMs: 4 },
      liveReadTimeoutMs,
    });
    return { v, src, live, log, reads };
  }

  it('is synced once every kind has listed, and serves the cache', async () => {
    const h = view();
    h.src.Node.items = [
      { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    ];
    h.src.PersistentVolumeClaim.items = [
      { metadata: { name: 'c', namespace: 'ns' }, spec: { storageClassName: 'px' } },
    ];
    h.src.StorageClass.items = [
      {
        metadata: {
          name: 'px',
          annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
          creationTimestamp: new Date('2024-01-01T00:00:00Z'),
        },
        provisioner: 'pxd.portworx.com',
      },
    ];
    h.src.CSINode.listErrors = [new Error('HTTP-Code: 503')];
    expect(h.v.synced).toBe(false);
    await h.v.start();
    await h.v.whenSynced();
    expect(h.v.synced).toBe(true);
    expect(h.v.node('n1')?.ready).toBe(true);
    expect(h.v.pvc('ns', 'c')?.storageClassName).toBe('px');
    expect(h.v.defaultStorageClass()?.name).toBe('px');
    expect(h.v.sizes()).toEqual({ nodes: 1, namespaces: 0, pvcs: 1, pvs: 0, storageClasses: 1, csiNodes: 0 });
    expect(h.v.health().map((k) => k.kind)).toEqual(OBJECT_KINDS);
    expect(h.v.staleKinds(60_000)).toEqual([]);
    await h.v.stop();
  });

  it('fetch* answers from the cache without a live read', async () => {
    const h = view();
    h.src.PersistentVolume.items = [pv('v1', '1')];
    await h.v.start();
    await h.v.whenSynced();
    expect((await h.v.fetchPV('v1'))?.csiVolumeHandle).toBe('v1');
    expect(h.live.readPV).not.toHaveBeenCalled();
    await h.v.stop();
  });

  it('a cache miss costs exactly one live read, and the result is not inserted', async () => {
    const h = view();
    h.live.readPVC.mockResolvedValue({
      metadata: { name: 'new', namespace: 'ns', creationTimestamp: new Date() },
      spec: { storageClassName: 'px' },
    });
    await h.v.start();
    await h.v.whenSynced();
    const pvc = await h.v.fetchPVC('ns', 'new');
    expect(pvc).toMatchObject({ namespace: 'ns', name: 'new', storageClassName: 'px' });
    expect(h.live.readPVC).toHaveBeenCalledTimes(1);
    expect(h.live.readPVC.mock.calls[0]!.slice(0, 2)).toEqual(['ns', 'new']);
    expect(h.v.pvc('ns', 'new')).toBeUndefined();
    expect(h.reads).toEqual(['PersistentVolumeClaim found']);
    await h.v.stop();
  });

  it.each([
    [
      '404 → undefined, counted as not-found, not logged',
      Object.assign(new Error('HTTP-Code: 404'), { code: 404 }),
      'not-found',
      0,
    ],
    [
      '403 → undefined, counted and logged',
      Object.assign(new Error('HTTP-Code: 403'), { code: 403 }),
      'error',
      1,
    ],
    ['network error → undefined, counted and logged', new Error('ECONNRESET'), 'error', 1],
  ])('%s', async (_name, err, result, warnings) => {
    const h = view();
    h.live.readStorageClass.mockRejectedValue(err);
    await expect(h.v.fetchStorageClass('gone')).resolves.toBeUndefined();
    expect(h.reads).toEqual([`StorageClass ${result}`]);
    expect(h.log.lines.filter((l) => l.startsWith('warn live read'))).toHaveLength(warnings);
    await h.v.stop();
  });

  it('a hung live read is abandoned at its timeout', async () => {
    const h = view(sources(), liveReader(), 20);
    let signal: AbortSignal | undefined;
    h.live.readPV.mockImplementation((_name, s) => {
      signal = s;
      return new Promise((_resolve, reject) =>
        s.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    await expect(h.v.fetchPV('slow')).resolves.toBeUndefined();
    expect(signal?.aborted).toBe(true);
    expect(h.reads).toEqual(['PersistentVolume error']);
    await h.v.stop();
  });

  it('a malformed live answer is an error, not a throw', async () => {
    const h = view();
    h.live.readPV.mockResolvedValue({ metadata: {} });
    await expect(h.v.fetchPV('x')).resolves.toBeUndefined();
    expect(h.reads).toEqual(['PersistentVolume error']);
    await h.v.stop();
  });
});
