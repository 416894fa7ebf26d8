import {
  afterList,
  afterWatch,
  backoffDelay,
  errorEventOutcome,
  INITIAL_STATE,
  isExpiredError,
  listFailureOutcome,
  staleKinds,
  statusCodeOf,
  watchEndOutcome,
  watchTimeoutSeconds,
  type KindHealth,
  type ReflectorState,
  type WatchOutcome,
} from '../../../src/cluster/informer/decisions.js';

const policy = { initialMs: 500, maxMs: 30_000 };
const low = () => 0;
const high = () => 0.999999;
const state = (over: Partial<ReflectorState> = {}): ReflectorState => ({ ...INITIAL_STATE, ...over });
const watchOutcome = (kind: WatchOutcome['kind'], events = 0, durationMs = 10): WatchOutcome => ({
  kind,
  message: kind,
  events,
  durationMs,
});

describe('backoffDelay: capped exponential with equal jitter', () => {
  it.each([
    [0, 0, 0],
    [1, 250, 500],
    [2, 500, 1000],
    [3, 1000, 2000],
    [6, 8000, 16000],
    [7, 15000, 30000],
    [8, 15000, 30000],
    [1000, 15000, 30000],
  ])('failure %i waits between %i and %i ms', (failures, min, max) => {
    expect(backoffDelay(failures, policy, low)).toBe(min);
    expect(backoffDelay(failures, policy, high)).toBe(max);
    const mid = backoffDelay(failures, policy, () => 0.5);
    expect(mid).toBeGreaterThanOrEqual(min);
    expect(mid).toBeLessThanOrEqual(max);
  });

  it('jitter spreads retries', () => {
    const delays = new Set([0.1, 0.4, 0.7].map((r) => backoffDelay(4, policy, () => r)));
    expect(delays.size).toBe(3);
  });
});

describe('afterList', () => {
  it('a successful list watches from its resourceVersion at once, keeping the failure count', () => {
    const d = afterList(
      state({ failures: 2, unpagedList: true }),
      { kind: 'listed', resourceVersion: '77' },
      policy,
      low,
    );
    expect(d).toEqual({
      state: { resourceVersion: '77', failures: 2, expiries: 0, unpagedList: false },
      step: { action: 'watch', delayMs: 0 },
    });
  });

  it('an expired continue token relists unpaged at once', () => {
    const d = afterList(state(), { kind: 'expired', withContinue: true }, policy, low);
    expect(d).toEqual({
      state: { resourceVersion: '', failures: 0, expiries: 0, unpagedList: true },
      step: { action: 'list', delayMs: 0 },
    });
  });

  it('a second expiry (already unpaged) is a failure with backoff', () => {
    const d = afterList(state({ unpagedList: true }), { kind: 'expired', withContinue: true }, policy, high);
    expect(d.state.failures).toBe(1);
    expect(d.step).toEqual({ action: 'list', delayMs: 500 });
  });

  it.each([
    [0, 1, 250],
    [1, 2, 500],
    [5, 6, 8000],
  ])('a failed list with %i failures before backs off (failure %i, ≥ %i ms)', (before, after, min) => {
    const d = afterList(state({ failures: before }), { kind: 'failed', message: 'refused' }, policy, low);
    expect(d.state.failures).toBe(after);
    expect(d.step).toEqual({ action: 'list', delayMs: min });
  });
});

describe('afterWatch', () => {
  const watching = state({ resourceVersion: '100' });

  it.each([
    [
      'closed after events: re-watch at once from the last RV',
      watchOutcome('closed', 3, 10),
      'watch',
      '100',
      0,
      0,
    ],
    [
      'closed after a long quiet watch: re-watch at once',
      watchOutcome('closed', 0, 300_000),
      'watch',
      '100',
      0,
      0,
    ],
    [
      'closed at once with nothing: a very short watch backs off',
      watchOutcome('closed', 0, 5),
      'watch',
      '100',
      1,
      250,
    ],
    [
      'connection failed at once: re-watch from the last RV after backoff',
      watchOutcome('failed'),
      'watch',
      '100',
      1,
      250,
    ],
    ['expired (410): relist at once', watchOutcome('expired'), 'list', '', 0, 0],
    ['an ERROR event other than 410: relist after backoff', watchOutcome('error'), 'list', '', 1, 250],
  ])('%s', (_name, outcome, action, rv, failures, delay) => {
    const d = afterWatch(watching, outcome, policy, low);
    expect(d.step).toEqual({ action, delayMs: delay });
    expect(d.state.resourceVersion).toBe(rv);
    expect(d.state.failures).toBe(failures);
  });

  it('an API server restart: failures grow the backoff, the RV is kept, then a 410 relists at once', () => {
    let s = watching;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = afterWatch(s, watchOutcome('failed'), policy, high);
      s = d.state;
      delays.push(d.step.delayMs);
      expect(d.step.action).toBe('watch');
      expect(s.resourceVersion).toBe('100');
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    const gone = afterWatch(s, watchOutcome('expired'), policy, high);
    expect(gone.step).toEqual({ action: 'list', delayMs: 0 });
    expect(gone.state).toEqual({ resourceVersion: '', failures: 0, expiries: 1, unpagedList: false });
  });

  it('a healthy watch that then drops resets the backoff before counting the drop', () => {
    const d = afterWatch(
      state({ resourceVersion: '5', failures: 6 }),
      watchOutcome('failed', 12, 60_000),
      policy,
      high,
    );
    expect(d.state.failures).toBe(1);
    expect(d.step).toEqual({ action: 'watch', delayMs: 500 });
  });

  it('list → watch → 410 at once, over and over, backs off instead of hammering', () => {
    let s = state();
    const relistDelays: number[] = [];
    for (let i = 0; i < 4; i++) {
      s = afterList(s, { kind: 'listed', resourceVersion: String(i + 1) }, policy, high).state;
      const d = afterWatch(s, watchOutcome('expired'), policy, high);
      s = d.state;
      relistDelays.push(d.step.delayMs);
    }
    expect(relistDelays).toEqual([0, 500, 1000, 2000]);
  });

  it('a healthy watch resets the expiry count', () => {
    const s = state({ resourceVersion: '9', expiries: 3 });
    const d = afterWatch(s, watchOutcome('closed', 1, 100), policy, low);
    expect(d.state.expiries).toBe(0);
    const gone = afterWatch(d.state, watchOutcome('expired'), policy, low);
    expect(gone.step.delayMs).toBe(0);
  });
});

describe('classifying errors and events', () => {
  const apiException = (code: number, body?: unknown) =>
    Object.assign(new Error(`HTTP-Code: ${code}\nMessage: x\nBody: {}`), { code, body });
  const watchError = (statusCode: number) => Object.assign(new Error('Gone'), { statusCode });

  it.each([
    ['client-node Watch non-200 (statusCode 410)', watchError(410), true],
    ['ApiException 410 (expired continue)', apiException(410), true],
    ['ApiException 500 with an Expired Status body', apiException(500, { reason: 'Expired' }), true],
    ['an error saying too old resource version', new Error('too old resource version: 5 (90)'), true],
    ['ApiException 500', apiException(500), false],
    ['Watch 403', watchError(403), false],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
    ['a string', 'boom', false],
    ['null', null, false],
  ])('%s → expired %s', (_name, err, expired) => {
    expect(isExpiredError(err)).toBe(expired);
  });

  it.each([
    [{ statusCode: 410 }, 410],
    [{ code: 404 }, 404],
    [{ code: 'ECONNRESET' }, undefined],
    [undefined, undefined],
  ])('statusCodeOf(%j) = %s', (err, code) => {
    expect(statusCodeOf(err)).toBe(code);
  });

  it.each([
    [{ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' }, 'expired'],
    [{ kind: 'Status', code: 410, reason: 'Gone' }, 'expired'],
    [{ kind: 'Status', message: 'too old resource version: 3 (9)' }, 'expired'],
    [{ kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd down' }, 'error'],
    ['not an object', 'error'],
  ])('ERROR event %j → %s', (status, kind) => {
    expect(errorEventOutcome(status, 2, 50)).toMatchObject({ kind, events: 2, durationMs: 50 });
  });

  it.each([
    [null, 'closed'],
    [undefined, 'closed'],
    [watchError(410), 'expired'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'failed'],
    [watchError(500), 'failed'],
  ])('watch done(%p) → %s', (err, kind) => {
    expect(watchEndOutcome(err, 0, 1).kind).toBe(kind);
  });

  it('list failures keep whether a continue token was in use', () => {
    expect(listFailureOutcome(apiException(410), true)).toEqual({ kind: 'expired', withContinue: true });
    expect(listFailureOutcome(apiException(503), true)).toEqual({
      kind: 'failed',
      message: 'HTTP-Code: 503',
    });
  });
});

describe('watchTimeoutSeconds and staleKinds', () => {
  it('spreads watch timeouts over 5–10 minutes', () => {
    expect(watchTimeoutSeconds(low)).toBe(300);
    expect(watchTimeoutSeconds(high)).toBe(599);
  });

  const h = (over: Partial<KindHealth>): KindHealth => ({
    kind: 'X',
    synced: true,
    watching: true,
    failures: 0,
    ...over,
  });

  it.each([
    ['never synced', h({ synced: false, watching: false }), true],
    ['watching, silent for an hour (a quiet cluster)', h({ lastContactTime: 0 }), false],
    ['disconnected briefly', h({ watching: false, lastContactTime: 3_590_000 }), false],
    ['disconnected for longer than allowed', h({ watching: false, lastContactTime: 3_000_000 }), true],
  ])('%s → stale %s', (_name, health, stale) => {
    expect(staleKinds([{ ...health, kind: 'PersistentVolume' }], 3_600_000, 60_000)).toEqual(
      stale ? ['PersistentVolume'] : [],
    );
  });
});
