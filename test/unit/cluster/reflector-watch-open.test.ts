/**
 * A watch request that never gets an answer (an address that accepts connections and says nothing: a
 * hung API server, a load balancer without a backend) is given up after `watchOpenTimeoutMs` and
 * made again. Before, the reflector waited for its watchdog — the watch timeout plus grace, 5–10
 * minutes — and stayed disconnected that long after the API server was back (found while building
 * test/e2e/apiserver-outage.test.ts).
 */
import type { ListerWatcher, ListPage, WatchRequest } from '../../../src/cluster/informer/source.js';
import { WATCH_OPEN_TIMEOUT_MS } from '../../../src/cluster/informer/reflector.js';
import { kindReflector } from '../../../src/cluster/informer/view.js';
import { MemoryStore } from '../../../src/cluster/store.js';

/** Lists fine; the first watch hangs (its promise settles only when the test says), the next open. */
class HangingSource implements ListerWatcher {
  readonly watches: WatchRequest[] = [];
  /** When each watch was asked for. */
  readonly at: number[] = [];
  readonly aborted: number[] = [];
  private release: (() => void) | undefined;
  list(): Promise<ListPage> {
    return Promise.resolve({ items: [], resourceVersion: '7' });
  }
  watch(request: WatchRequest): Promise<{ abort(): void }> {
    const n = this.watches.push(request);
    this.at.push(Date.now());
    const handle = { abort: () => void this.aborted.push(n) };
    if (n > 1) return Promise.resolve(handle);
    return new Promise((resolve) => (this.release = () => resolve(handle)));
  }
  /** The hung request's answer finally arrives. */
  answerLate(): void {
    this.release?.();
  }
}

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function start(watchOpenTimeoutMs: number | undefined) {
  const source = new HangingSource();
  const errors: string[] = [];
  const r = kindReflector('Node', new MemoryStore(), {
    source,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: { onWatchError: (_k, reason) => errors.push(reason) },
    pageSize: 500,
    listTimeoutMs: 1000,
    backoff: { initialMs: 2, maxMs: 4 },
    // The watchdog alone would wait 300 s.
    watchTimeoutSeconds: () => 300,
    watchGraceMs: 0,
    ...(watchOpenTimeoutMs !== undefined ? { watchOpenTimeoutMs } : {}),
    now: Date.now,
    random: () => 0.5,
  });
  r.start();
  return { r, source, errors };
}

describe('a watch request that gets no answer', () => {
  it('is given up after watchOpenTimeoutMs and made again; the late answer is aborted', async () => {
    const h = start(50);
    try {
      await until(() => h.source.watches.length === 2 && h.r.health().watching, 'a new, open watch');
      // setTimeout may fire a millisecond early by Date.now().
      expect(h.source.at[1]! - h.source.at[0]!).toBeGreaterThanOrEqual(49);
      expect(h.errors).toEqual(['failed']);
      expect(h.r.health().lastError).toBe('no answer to the watch in 50 ms');
      // From the same resourceVersion: nothing to relist.
      expect(h.source.watches[1]?.resourceVersion).toBe('7');
      h.source.answerLate();
      await until(() => h.source.aborted.includes(1), 'the late handle aborted');
      expect(h.source.aborted).toEqual([1]);
    } finally {
      await h.r.stop();
    }
  });

  it('by default waits 30 s, not the watchdog', async () => {
    expect(WATCH_OPEN_TIMEOUT_MS).toBe(30_000);
    const h = start(undefined);
    try {
      await until(() => h.source.watches.length === 1, 'the hung watch');
      // Nothing yet after a moment: the default is not "at once".
      await new Promise((r) => setTimeout(r, 100));
      expect(h.source.watches).toHaveLength(1);
    } finally {
      await h.r.stop();
    }
  });
});
