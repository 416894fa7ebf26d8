/**
 * Staleness is counted from when the watch went down, not from the last event: on a quiet cluster a
 * kind's last event or bookmark can be minutes old, and a dropped watch must not make /readyz say
 * "stale" at once (it did: found by test/e2e/apiserver-outage.test.ts, 503 1.1 s after the API server
 * stopped, with a 10 s threshold). A watch the watchdog gives up on was dead all along: no contact.
 */
import { staleKinds } from '../../../src/cluster/informer/decisions.js';
import type { ListerWatcher, ListPage, WatchRequest } from '../../../src/cluster/informer/source.js';
import { kindReflector } from '../../../src/cluster/informer/view.js';
import { MemoryStore } from '../../../src/cluster/store.js';

/** One PV list, then watches the test ends; every later watch is refused (the API server is gone). */
class Source implements ListerWatcher {
  readonly watches: WatchRequest[] = [];
  list(): Promise<ListPage> {
    return Promise.resolve({ items: [], resourceVersion: '7' });
  }
  watch(request: WatchRequest): Promise<{ abort(): void }> {
    this.watches.push(request);
    if (this.watches.length > 1)
      request.onDone(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    return Promise.resolve({ abort: () => undefined });
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const STALE_AFTER = 10_000;

function start(watchTimeoutSeconds = 300) {
  let now = 1_000_000;
  const source = new Source();
  const r = kindReflector('PersistentVolume', new MemoryStore(), {
    source,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    pageSize: 500,
    listTimeoutMs: 1000,
    // Refused re-watches repeat every few ms: none of them is contact.
    backoff: { initialMs: 2, maxMs: 4 },
    watchTimeoutSeconds: () => watchTimeoutSeconds,
    watchGraceMs: 0,
    now: () => now,
    random: () => 0.5,
  });
  r.start();
  const stale = (): string[] => staleKinds([r.health()], now, STALE_AFTER);
  return {
    r,
    source,
    stale,
    advance: (ms: number) => (now += ms),
  };
}

describe('staleness after a watch ends', () => {
  it.each([
    ['closed by the server', null],
    ['reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('%s: fresh until the threshold has passed since the end, then stale', async (_how, err) => {
    const h = start();
    try {
      await until(() => h.source.watches.length === 1, 'the watch');
      // A quiet kind: nothing for five minutes, the watch open all along.
      h.advance(300_000);
      expect(h.stale()).toEqual([]);
      h.source.watches[0]!.onDone(err);
      await until(() => h.source.watches.length >= 3 && !h.r.health().watching, 'refused re-watches');
      expect(h.stale()).toEqual([]);
      h.advance(STALE_AFTER);
      expect(h.stale()).toEqual([]);
      h.advance(1);
      expect(h.stale()).toEqual(['PersistentVolume']);
    } finally {
      await h.r.stop();
    }
  });

  it('a watch the watchdog gives up on is stale at once when the last contact is old', async () => {
    // A 200 ms server-side timeout and no grace: the watchdog fires soon; the stream never ended.
    const h = start(0.2);
    try {
      await until(() => h.source.watches.length === 1, 'the watch');
      h.advance(300_000);
      await until(() => h.source.watches.length >= 3 && !h.r.health().watching, 'the watchdog');
      expect(h.stale()).toEqual(['PersistentVolume']);
    } finally {
      await h.r.stop();
    }
  });
});
