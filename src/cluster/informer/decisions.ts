/**
 * The reflector's decisions, as pure functions: after a list or a watch ends, whether to relist or
 * re-watch, from which resourceVersion, and after how long. The driver (./reflector.ts) does the I/O
 * and asks these; the tests drive them with tables.
 *
 * The rules follow client-go's reflector (tools/cache/reflector.go) where the brief does not say
 * otherwise:
 * - a list is a consistent read (no resourceVersion), paged; an expired `continue` token (410) falls
 *   back to one unpaged list, as client-go's pager does;
 * - 410 Gone / "too old resource version" (HTTP status or watch ERROR event) → relist, at once the
 *   first time, with backoff when list → watch → 410 repeats without a healthy watch between;
 * - any other watch ERROR event → relist, after a backoff;
 * - a dropped connection, a refused one, a 5xx → re-watch from the last resourceVersion after a
 *   capped exponential backoff with jitter (a restarted API server answers from its watch cache);
 * - the server ending a watch normally (its timeoutSeconds) → re-watch at once;
 * - a watch that ends in under a second with no event counts as a failure ("very short watch"),
 *   so a server that closes every watch at once is not hammered.
 */

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** client-go's reflector starts at 800 ms and caps at 30 s; we start a little sooner. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** A watch that lasted this long, or delivered an event, proves the connection was good. */
export const HEALTHY_WATCH_MS = 1_000;

export interface ReflectorState {
  /** Where the next watch starts; '' → the next step is a list. */
  readonly resourceVersion: string;
  /** Consecutive failed cycles (no healthy watch since); drives the backoff. */
  readonly failures: number;
  /** Consecutive expiries (410) with no healthy watch between: the second one backs off. */
  readonly expiries: number;
  /** The last paged list hit an expired continue token: list the next one unpaged. */
  readonly unpagedList: boolean;
}

export const INITIAL_STATE: ReflectorState = {
  resourceVersion: '',
  failures: 0,
  expiries: 0,
  unpagedList: false,
};

export type ListOutcome =
  | { readonly kind: 'listed'; readonly resourceVersion: string }
  /** 410 while listing: with a continue token, the token outlived etcd's compaction. */
  | { readonly kind: 'expired'; readonly withContinue: boolean }
  | { readonly kind: 'failed'; readonly message: string };

export interface WatchOutcome {
  /**
   * closed: the server ended the stream (its timeoutSeconds, a graceful shutdown);
   * expired: 410 Gone or "too old resource version" (status or ERROR event): the resourceVersion
   * is compacted away; error: any other watch ERROR event; failed: the connection failed or dropped,
   * or the server answered non-200 (other than 410).
   */
  readonly kind: 'closed' | 'expired' | 'error' | 'failed';
  readonly message: string;
  /** Events received (bookmarks included) and how long the watch lasted. */
  readonly events: number;
  readonly durationMs: number;
}

export type Step = { readonly action: 'list' | 'watch'; readonly delayMs: number };

export interface Decision {
  readonly state: ReflectorState;
  readonly step: Step;
}

/**
 * Capped exponential backoff with "equal jitter": the n-th consecutive failure waits between half
 * and all of min(max, initial·2ⁿ⁻¹), so many replicas restarted together do not retry in lockstep.
 * `random` is in [0, 1).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function decide(state: ReflectorState, delayMs: number): Decision {
  return { state, step: { action: state.resourceVersion === '' ? 'list' : 'watch', delayMs } };
}

export function afterList(
  state: ReflectorState,
  outcome: ListOutcome,
  policy: BackoffPolicy,
  random: () => number,
): Decision {
  if (outcome.kind === 'listed') {
    // Failures are not reset here: only a healthy watch proves the cycle works.
    return decide({ ...state, resourceVersion: outcome.resourceVersion, unpagedList: false }, 0);
  }
  if (outcome.kind === 'expired' && outcome.withContinue && !state.unpagedList) {
    return decide({ ...state, resourceVersion: '', unpagedList: true }, 0);
  }
  const failures = state.failures + 1;
  return decide({ ...state, resourceVersion: '', failures }, backoffDelay(failures, policy, random));
}

export function afterWatch(
  state: ReflectorState,
  outcome: WatchOutcome,
  policy: BackoffPolicy,
  random: () => number,
): Decision {
  const healthy = outcome.events > 0 || outcome.durationMs >= HEALTHY_WATCH_MS;
  const s: ReflectorState = healthy ? { ...state, failures: 0, expiries: 0 } : state;
  switch (outcome.kind) {
    case 'closed':
      if (healthy) return decide(s, 0);
      return decide({ ...s, failures: s.failures + 1 }, backoffDelay(s.failures + 1, policy, random));
    case 'expired': {
      // The server answered, so the connection is fine: the first expiry (the normal case after a
      // long disconnection) relists at once; repeated ones back off.
      const expiries = s.expiries + 1;
      const delay = expiries === 1 ? 0 : backoffDelay(expiries - 1, policy, random);
      return decide({ ...s, resourceVersion: '', failures: 0, expiries }, delay);
    }
    case 'error':
      return decide(
        { ...s, resourceVersion: '', failures: s.failures + 1 },
        backoffDelay(s.failures + 1, policy, random),
      );
    case 'failed':
      return decide({ ...s, failures: s.failures + 1 }, backoffDelay(s.failures + 1, policy, random));
  }
}

/** The HTTP status an error carries: client-node's Watch sets `statusCode`, ApiException `code`. */
export function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n', 1)[0] ?? err.message;
  if (typeof err === 'string') return err;
  return JSON.stringify(err) ?? String(err);
}

const TOO_OLD = /too old resource version/i;

/** A thrown error (list, watch request) that means "your resourceVersion or continue token expired". */
export function isExpiredError(err: unknown): boolean {
  if (statusCodeOf(err) === 410) return true;
  const body = typeof err === 'object' && err !== null ? (err as { body?: unknown }).body : undefined;
  return isExpiredStatus(body) || (err instanceof Error && TOO_OLD.test(err.message));
}

/** A metav1.Status (a watch ERROR event's object, or an error body) that means expiry. */
export function isExpiredStatus(status: unknown): boolean {
  if (typeof status !== 'object' || status === null) return false;
  const s = status as { code?: unknown; reason?: unknown; message?: unknown };
  return (
    s.code === 410 ||
    s.reason === 'Expired' ||
    s.reason === 'Gone' ||
    (typeof s.message === 'string' && TOO_OLD.test(s.message))
  );
}

/** What a watch ERROR event's object says, as an outcome. */
export function errorEventOutcome(status: unknown, events: number, durationMs: number): WatchOutcome {
  const s = typeof status === 'object' && status !== null ? (status as { message?: unknown }) : {};
  const message = typeof s.message === 'string' ? s.message : `watch error ${JSON.stringify(status) ?? ''}`;
  return { kind: isExpiredStatus(status) ? 'expired' : 'error', message, events, durationMs };
}

/** How a watch ended (`err` null: the server closed the stream), as an outcome. */
export function watchEndOutcome(err: unknown, events: number, durationMs: number): WatchOutcome {
  if (err === null || err === undefined)
    return { kind: 'closed', message: 'closed by the server', events, durationMs };
  return { kind: isExpiredError(err) ? 'expired' : 'failed', message: messageOf(err), events, durationMs };
}

/** A thrown list failure, as an outcome. */
export function listFailureOutcome(err: unknown, withContinue: boolean): ListOutcome {
  return isExpiredError(err)
    ? { kind: 'expired', withContinue }
    : { kind: 'failed', message: messageOf(err) };
}

/**
 * How long a watch asks the server to keep it open: a random 5–10 minutes as client-go does, so the
 * replicas' watches do not all end together.
 */
export function watchTimeoutSeconds(random: () => number): number {
  return 300 + Math.floor(random() * 300);
}

/** One kind's health, for /readyz and /metrics. Times are epoch milliseconds. */
export interface KindHealth {
  readonly kind: string;
  /** Listed at least once: the cache holds this kind. */
  readonly synced: boolean;
  /** The last successful (re)list. */
  readonly lastSyncTime?: number;
  /**
   * The last proof the API server is talking to us: a list, an opened watch, an event, a bookmark,
   * the end of an open watch stream (not one the watchdog gave up on).
   */
  readonly lastContactTime?: number;
  /** A watch stream is open now. */
  readonly watching: boolean;
  readonly failures: number;
  readonly lastError?: string;
}

/**
 * The kinds whose cache cannot be trusted now: never synced, or disconnected for longer than
 * `maxDisconnectedMs` (counted from the end of the last open watch). An open watch on a quiet cluster
 * is not stale however long it stays silent.
 */
export function staleKinds(
  health: readonly KindHealth[],
  nowMs: number,
  maxDisconnectedMs: number,
): string[] {
  return health
    .filter(
      (h) =>
        !h.synced || (!h.watching && nowMs - (h.lastContactTime ?? h.lastSyncTime ?? 0) > maxDisconnectedMs),
    )
    .map((h) => h.kind);
}
