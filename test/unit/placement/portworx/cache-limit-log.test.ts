import type { Logger } from '../../../../src/observability/logger.js';
import { FailureLog, TtlCache, mapLimit } from '../../../../src/placement/portworx/index.js';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TtlCache', () => {
  let now = 1000;
  const clock = () => now;
  beforeEach(() => {
    now = 1000;
  });

  it('reuses an answer within its age and loads again after it', async () => {
    const cache = new TtlCache<number>(5000, clock);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.get('k', load)).toBe(1);
    now += 4999;
    expect(await cache.get('k', load)).toBe(1);
    now += 1;
    expect(await cache.get('k', load)).toBe(2);
    expect(loads).toBe(2);
  });

  it('shares one load among concurrent callers (single-flight)', async () => {
    const cache = new TtlCache<string>(5000, clock);
    const pending = deferred<string>();
    let loads = 0;
    const load = () => {
      loads++;
      return pending.promise;
    };
    const calls = [cache.get('k', load), cache.get('k', load), cache.get('k', load)];
    expect(loads).toBe(1);
    pending.resolve('answer');
    expect(await Promise.all(calls)).toEqual(['answer', 'answer', 'answer']);
  });

  it('does not keep a failure: the next caller tries again', async () => {
    const cache = new TtlCache<string>(5000, clock);
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', () => Promise.resolve('up'))).toBe('up');
  });

  it('with age 0 keeps nothing, yet still shares a load in flight', async () => {
    const cache = new TtlCache<number>(0, clock);
    let loads = 0;
    const pending = deferred<number>();
    const a = cache.get('k', () => (loads++, pending.promise));
    const b = cache.get('k', () => (loads++, pending.promise));
    pending.resolve(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    await cache.get('k', () => (loads++, Promise.resolve(8)));
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('keeps undefined answers (a volume Portworx does not know) like any other', async () => {
    const cache = new TtlCache<string | undefined>(5000, clock);
    let loads = 0;
    await cache.get('k', () => (loads++, Promise.resolve(undefined)));
    await cache.get('k', () => (loads++, Promise.resolve(undefined)));
    expect(loads).toBe(1);
  });

  it('stays bounded: expired entries go first, then the oldest', async () => {
    const cache = new TtlCache<number>(100, clock, 3);
    for (const k of ['a', 'b', 'c']) await cache.get(k, () => Promise.resolve(1));
    now += 50;
    await cache.get('d', () => Promise.resolve(1));
    expect(cache.size).toBe(3);
    let reloaded = 0;
    await cache.get('a', () => (reloaded++, Promise.resolve(2)));
    expect(reloaded).toBe(1); // 'a' was the oldest
    now += 60; // b, c expired
    await cache.get('e', () => Promise.resolve(1));
    expect(cache.size).toBe(3);
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4], 1, (n) => {
        started.push(n);
        return n === 2 ? Promise.reject(new Error('two')) : Promise.resolve(n);
      }),
    ).rejects.toThrow('two');
    expect(started).toEqual([1, 2]);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 4, () => Promise.resolve(1))).toEqual([]);
  });
});

describe('FailureLog', () => {
  function capture() {
    const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      warn: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', fields, msg }),
      info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'info', fields, msg }),
    } as unknown as Logger;
    return { lines, logger };
  }

  it('logs one line per interval however many calls fail, then one line on recovery', () => {
    let now = 0;
    const { lines, logger } = capture();
    const log = new FailureLog(logger, 60_000, () => now);
    for (let i = 0; i < 50; i++) {
      log.failed(new Error('Portworx SDK gateway http://px did not answer volume inspect within 100 ms'));
      now += 1000;
    }
    expect(lines.map((l) => l.level)).toEqual(['warn']);
    now = 60_000;
    // 49 failures went unlogged since the first line; this one is the 50th.
    log.failed(new Error('still down'));
    expect(lines).toHaveLength(2);
    expect(lines[1]!.fields).toMatchObject({ source: 'portworx', problem: 'still down', failures: 50 });
    log.recovered();
    log.recovered();
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'info']);
    expect(lines[2]!.msg).toBe('Portworx answers again');
    // After recovery a new outage is reported at once.
    log.failed(new Error('down again'));
    expect(lines).toHaveLength(4);
  });
});
