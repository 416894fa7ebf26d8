/**
 * A list-then-watch loop over any ListerWatcher, keeping slim copies in a sink: the cluster cache
 * runs one per ObjectKind into the shared MemoryStore (./view.ts), the convergence gauges one over
 * Pods into their tracker (../../hyperconvergence/pod-reflector.ts). client-node's own informer
 * (ListWatch) keeps whole typed objects (~7× the memory, performance.md) and, on any watch error
 * other than 410, stops for good; this one keeps slim objects, pages its lists and retries forever.
 * What to do after each list or watch is decided by ./decisions.ts.
 */
import type { Slimmed } from '../slim.js';
import {
  afterList,
  afterWatch,
  errorEventOutcome,
  INITIAL_STATE,
  listFailureOutcome,
  watchEndOutcome,
  type BackoffPolicy,
  type KindHealth,
  type ListOutcome,
  type ReflectorState,
  type Step,
  type WatchOutcome,
} from './decisions.js';
import type { ListerWatcher, WatchHandle } from './source.js';
import type { ClusterLogger, WatchErrorReason } from './types.js';

/** Where the slim objects go. */
export interface ReflectorSink<T> {
  /** Every object there is now (a list or relist), in one step: readers never see half. */
  replace(items: readonly T[]): void;
  upsert(item: T): void;
  delete(key: string): void;
}

/** Counters, called with the reflector's name (InformerMetrics fits for the cluster kinds). */
export interface ReflectorMetrics<N extends string> {
  onRelist?(name: N): void;
  onListError?(name: N): void;
  onWatchError?(name: N, reason: WatchErrorReason): void;
}

export interface ReflectorOptions<T, N extends string = string> {
  /** What is reflected (an ObjectKind, 'Pod'): the `kind` of logs, metrics and health. */
  readonly name: N;
  readonly source: ListerWatcher;
  /** A raw list item or watch object → its slim form, or why it is unusable (then skipped). */
  readonly transform: (raw: unknown) => Slimmed<T>;
  /** The sink key of a raw object from its metadata alone: DELETED events need no valid object. */
  readonly keyOf: (raw: unknown) => string | undefined;
  readonly sink: ReflectorSink<T>;
  readonly logger: ClusterLogger;
  readonly metrics?: ReflectorMetrics<N>;
  /** List page size (`limit`); 100k PVCs must not arrive as one giant response. */
  readonly pageSize: number;
  /** One list page may take this long before it is abandoned and retried. */
  readonly listTimeoutMs: number;
  readonly backoff: BackoffPolicy;
  /** The server-side timeout of each watch; a client-side watchdog fires `watchGraceMs` later. */
  readonly watchTimeoutSeconds: () => number;
  readonly watchGraceMs: number;
  /**
   * How long a watch request may wait for the response to start (default 30 s). An address that
   * accepts connections and never answers (a hung API server, a load balancer with no backend) held
   * a reconnecting reflector until the watchdog, 5–10 minutes, long after the API server was back.
   */
  readonly watchOpenTimeoutMs?: number;
  readonly now: () => number;
  readonly random: () => number;
  /** Called once, after the first successful list. */
  readonly onSynced?: (name: N) => void;
}

/** At most this many malformed objects are logged one by one per list. */
const LOGGED_INVALID = 5;

/** Default of ReflectorOptions.watchOpenTimeoutMs. */
export const WATCH_OPEN_TIMEOUT_MS = 30_000;

export class Reflector<T, N extends string = string> {
  private state: ReflectorState = INITIAL_STATE;
  private isSynced = false;
  private watching = false;
  private lastSyncTime: number | undefined;
  private lastContactTime: number | undefined;
  private lastError: string | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private cancelWatch: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ReflectorOptions<T, N>) {}

  /** Has listed at least once. */
  get synced(): boolean {
    return this.isSynced;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.cancelWatch?.();
    this.wake?.();
    await this.loop;
  }

  health(): KindHealth {
    return {
      kind: this.o.name,
      synced: this.isSynced,
      ...(this.lastSyncTime !== undefined ? { lastSyncTime: this.lastSyncTime } : {}),
      ...(this.lastContactTime !== undefined ? { lastContactTime: this.lastContactTime } : {}),
      watching: this.watching,
      failures: this.state.failures,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  /** The decisions so far, for tests and debugging. */
  get reflectorState(): ReflectorState {
    return this.state;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const step = this.state.resourceVersion === '' ? await this.listStep() : await this.watchStep();
      if (this.stopped) return;
      if (step.delayMs > 0) await this.sleep(step.delayMs);
    }
  }

  private async listStep(): Promise<Step> {
    const outcome = await this.list();
    if (this.stopped) return { action: 'list', delayMs: 0 };
    const decision = afterList(this.state, outcome, this.o.backoff, this.o.random);
    this.state = decision.state;
    if (outcome.kind !== 'listed') {
      this.lastError = outcome.kind === 'failed' ? outcome.message : 'list continue token expired';
      this.o.metrics?.onListError?.(this.o.name);
      const log = {
        kind: this.o.name,
        error: this.lastError,
        failures: this.state.failures,
        retryInMs: decision.step.delayMs,
      };
      if (outcome.kind === 'expired') this.o.logger.info(log, 'list expired while paging; listing again');
      else this.o.logger.warn(log, 'list failed; retrying');
    }
    return decision.step;
  }

  /** Lists every page, then hands the whole list to the sink in one step. */
  private async list(): Promise<ListOutcome> {
    const items: T[] = [];
    const invalid: string[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    const limit = this.state.unpagedList ? undefined : this.o.pageSize;
    try {
      do {
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.listTimeoutMs)]);
        const page = await this.o.source.list({ limit, ...(continueToken ? { continueToken } : {}), signal });
        for (const raw of page.items) {
          const slim = this.o.transform(raw);
          if (slim.ok) items.push(slim.value);
          else invalid.push(`${this.o.keyOf(raw) ?? '?'}: ${slim.error}`);
        }
        resourceVersion = page.resourceVersion;
        continueToken = page.continueToken || undefined;
      } while (continueToken && !this.stopped);
    } catch (err) {
      return listFailureOutcome(err, continueToken !== undefined);
    }
    if (this.stopped) return { kind: 'failed', message: 'stopped' };
    // Watching from '' would replay every object as ADDED: never start a watch without a version.
    if (!resourceVersion) return { kind: 'failed', message: 'the list carried no resourceVersion' };
    this.o.sink.replace(items);
    this.markListed(items.length, invalid);
    return { kind: 'listed', resourceVersion };
  }

  private markListed(count: number, invalid: readonly string[]): void {
    const now = this.o.now();
    this.lastSyncTime = now;
    this.lastContactTime = now;
    this.lastError = undefined;
    this.o.metrics?.onRelist?.(this.o.name);
    for (const problem of invalid.slice(0, LOGGED_INVALID)) {
      this.o.logger.warn({ kind: this.o.name, problem }, 'skipped a malformed object');
    }
    this.o.logger.info({ kind: this.o.name, objects: count, skipped: invalid.length }, 'listed');
    if (!this.isSynced) {
      this.isSynced = true;
      this.o.onSynced?.(this.o.name);
    }
  }

  private async watchStep(): Promise<Step> {
    const outcome = await this.watch();
    if (this.stopped) return { action: 'watch', delayMs: 0 };
    const decision = afterWatch(this.state, outcome, this.o.backoff, this.o.random);
    this.state = decision.state;
    if (outcome.kind !== 'closed') {
      this.lastError = outcome.message;
      this.o.metrics?.onWatchError?.(this.o.name, outcome.kind);
      const log = {
        kind: this.o.name,
        error: outcome.message,
        next: decision.step.action,
        retryInMs: decision.step.delayMs,
      };
      if (outcome.kind === 'expired') this.o.logger.info(log, 'watch expired; relisting');
      else this.o.logger.warn(log, 'watch ended with an error');
    }
    return decision.step;
  }

  /** One watch, from the current resourceVersion, until it ends one way or another. */
  private watch(): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      const started = this.o.now();
      const timeoutSeconds = this.o.watchTimeoutSeconds();
      let events = 0;
      let ended = false;
      let handle: WatchHandle | undefined;
      const finish = (outcome: WatchOutcome, streamEnded = true): void => {
        if (ended) return;
        ended = true;
        clearTimeout(watchdog);
        clearTimeout(opening);
        // An open stream counts as contact (staleKinds), however quiet; when it ends (closed, reset,
        // an ERROR event) the disconnection starts now, not at the last event or bookmark, which on
        // a quiet kind can be minutes old: else /readyz said "stale" the moment a watch dropped.
        // A watch the watchdog gives up on has been dead for a while: no contact then.
        if (this.watching && streamEnded) this.lastContactTime = this.o.now();
        this.watching = false;
        this.cancelWatch = undefined;
        handle?.abort();
        resolve(outcome);
      };
      const elapsed = (): number => this.o.now() - started;
      // The server ends the watch after timeoutSeconds; if it has not, the connection is dead
      // (a half-open TCP connection never says so).
      const watchdog = setTimeout(
        () =>
          finish(
            { kind: 'failed', message: 'watch silent past its timeout', events, durationMs: elapsed() },
            false,
          ),
        timeoutSeconds * 1000 + this.o.watchGraceMs,
      );
      // client-node gives no handle before the response starts, so a request that never gets one
      // cannot be aborted: it is given up (its handle aborted if it ever comes) and a new one made.
      const openTimeoutMs = this.o.watchOpenTimeoutMs ?? WATCH_OPEN_TIMEOUT_MS;
      const opening = setTimeout(
        () =>
          finish(
            {
              kind: 'failed',
              message: `no answer to the watch in ${openTimeoutMs} ms`,
              events,
              durationMs: elapsed(),
            },
            false,
          ),
        openTimeoutMs,
      );
      this.cancelWatch = () => finish({ kind: 'closed', message: 'stopped', events, durationMs: elapsed() });
      const onEvent = (type: string, object: unknown): void => {
        if (ended) return;
        if (type === 'ERROR') {
          finish(errorEventOutcome(object, events, elapsed()));
          return;
        }
        events++;
        this.lastContactTime = this.o.now();
        this.apply(type, object);
      };
      const onDone = (err: unknown): void => finish(watchEndOutcome(err, events, elapsed()));
      this.o.source
        .watch({ resourceVersion: this.state.resourceVersion, timeoutSeconds, onEvent, onDone })
        .then(
          (h) => {
            handle = h;
            clearTimeout(opening);
            if (ended) {
              h.abort();
            } else {
              this.watching = true;
              this.lastContactTime = this.o.now();
            }
          },
          (err: unknown) => onDone(err ?? new Error('watch failed')),
        );
    });
  }

  /** Applies one watch event to the sink and advances the resourceVersion. */
  private apply(type: string, object: unknown): void {
    if (type === 'ADDED' || type === 'MODIFIED') {
      const slim = this.o.transform(object);
      if (slim.ok) this.o.sink.upsert(slim.value);
      else
        this.o.logger.warn(
          { kind: this.o.name, key: this.o.keyOf(object), problem: slim.error },
          'skipped a malformed object',
        );
    } else if (type === 'DELETED') {
      const key = this.o.keyOf(object);
      if (key !== undefined) this.o.sink.delete(key);
    } else if (type !== 'BOOKMARK') {
      return;
    }
    const rv = resourceVersionOf(object);
    if (rv) this.state = { ...this.state, resourceVersion: rv };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function resourceVersionOf(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const meta = (object as { metadata?: { resourceVersion?: unknown } }).metadata;
  return typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : undefined;
}
