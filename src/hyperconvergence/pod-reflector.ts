/**
 * List-then-watch of scheduled Pods, feeding slim pods to a sink (the convergence tracker).
 *
 * Why not ../cluster/informer/reflector.ts: that loop is bound to the cluster cache — it slims by
 * ObjectKind into the MemoryStore, and Pods are neither (the extender never reads pods from a cache).
 * This one drives the same ListerWatcher interface and asks the same pure decisions
 * (../cluster/informer/decisions.ts: relist on 410, backoff with jitter, the watchdog on a silent
 * watch), so the two behave alike; only the sink differs. Should the cluster reflector take a
 * transform and a sink one day, this file reduces to a call to it.
 */
import {
  afterList,
  afterWatch,
  errorEventOutcome,
  INITIAL_STATE,
  listFailureOutcome,
  watchEndOutcome,
  type BackoffPolicy,
  type ListOutcome,
  type ReflectorState,
  type Step,
  type WatchOutcome,
} from '../cluster/informer/decisions.js';
import type { ListerWatcher, WatchHandle } from '../cluster/informer/source.js';
import type { ClusterLogger } from '../cluster/informer/types.js';
import { rawPodKey, slimPod, type SlimPod } from './pod.js';

export interface PodSink {
  /** Every pod there is now (a list or relist). */
  replace(pods: readonly SlimPod[]): void;
  upsert(pod: SlimPod): void;
  delete(key: string): void;
}

export interface PodReflectorOptions {
  readonly source: ListerWatcher;
  readonly sink: PodSink;
  readonly logger: ClusterLogger;
  readonly pageSize: number;
  readonly listTimeoutMs: number;
  readonly backoff: BackoffPolicy;
  readonly watchTimeoutSeconds: () => number;
  readonly watchGraceMs: number;
  readonly now: () => number;
  readonly random: () => number;
}

export class PodReflector {
  private state: ReflectorState = INITIAL_STATE;
  private listed = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private cancelWatch: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: PodReflectorOptions) {}

  /** Has listed at least once. */
  get synced(): boolean {
    return this.listed;
  }

  get reflectorState(): ReflectorState {
    return this.state;
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
    if (outcome.kind === 'failed')
      this.o.logger.warn(
        { kind: 'Pod', error: outcome.message, retryInMs: decision.step.delayMs },
        'pod list failed; retrying',
      );
    return decision.step;
  }

  private async list(): Promise<ListOutcome> {
    const pods: SlimPod[] = [];
    let skipped = 0;
    let continueToken: string | undefined;
    let resourceVersion = '';
    const limit = this.state.unpagedList ? undefined : this.o.pageSize;
    try {
      do {
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.listTimeoutMs)]);
        const page = await this.o.source.list({ limit, ...(continueToken ? { continueToken } : {}), signal });
        for (const raw of page.items) {
          const slim = slimPod(raw);
          if (slim.ok) pods.push(slim.value);
          else skipped++;
        }
        resourceVersion = page.resourceVersion;
        continueToken = page.continueToken || undefined;
      } while (continueToken && !this.stopped);
    } catch (err) {
      return listFailureOutcome(err, continueToken !== undefined);
    }
    if (this.stopped) return { kind: 'failed', message: 'stopped' };
    if (!resourceVersion) return { kind: 'failed', message: 'the list carried no resourceVersion' };
    this.o.sink.replace(pods);
    this.listed = true;
    this.o.logger.info({ kind: 'Pod', objects: pods.length, skipped }, 'listed');
    return { kind: 'listed', resourceVersion };
  }

  private async watchStep(): Promise<Step> {
    const outcome = await this.watch();
    if (this.stopped) return { action: 'watch', delayMs: 0 };
    const decision = afterWatch(this.state, outcome, this.o.backoff, this.o.random);
    this.state = decision.state;
    if (outcome.kind !== 'closed')
      this.o.logger.warn(
        { kind: 'Pod', error: outcome.message, next: decision.step.action, retryInMs: decision.step.delayMs },
        'pod watch ended',
      );
    return decision.step;
  }

  /** One watch from the current resourceVersion, until the server ends it, it fails or goes silent. */
  private watch(): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      const started = this.o.now();
      const timeoutSeconds = this.o.watchTimeoutSeconds();
      let events = 0;
      let ended = false;
      let handle: WatchHandle | undefined;
      const elapsed = (): number => this.o.now() - started;
      const finish = (outcome: WatchOutcome): void => {
        if (ended) return;
        ended = true;
        clearTimeout(watchdog);
        this.cancelWatch = undefined;
        handle?.abort();
        resolve(outcome);
      };
      // A half-open connection never says so: past its timeout, a silent watch is dead.
      const watchdog = setTimeout(
        () =>
          finish({ kind: 'failed', message: 'watch silent past its timeout', events, durationMs: elapsed() }),
        timeoutSeconds * 1000 + this.o.watchGraceMs,
      );
      this.cancelWatch = () => finish({ kind: 'closed', message: 'stopped', events, durationMs: elapsed() });
      const onEvent = (type: string, object: unknown): void => {
        if (ended) return;
        if (type === 'ERROR') {
          finish(errorEventOutcome(object, events, elapsed()));
          return;
        }
        events++;
        this.apply(type, object);
      };
      const onDone = (err: unknown): void => finish(watchEndOutcome(err, events, elapsed()));
      this.o.source
        .watch({ resourceVersion: this.state.resourceVersion, timeoutSeconds, onEvent, onDone })
        .then(
          (h) => {
            handle = h;
            if (ended) h.abort();
          },
          (err: unknown) => onDone(err ?? new Error('watch failed')),
        );
    });
  }

  private apply(type: string, object: unknown): void {
    if (type === 'ADDED' || type === 'MODIFIED') {
      const slim = slimPod(object);
      if (slim.ok) this.o.sink.upsert(slim.value);
      else this.o.logger.warn({ kind: 'Pod', problem: slim.error }, 'skipped a malformed pod');
    } else if (type === 'DELETED') {
      const key = rawPodKey(object);
      if (key !== undefined) this.o.sink.delete(key);
    } else if (type !== 'BOOKMARK') {
      return;
    }
    const meta = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
    if (typeof meta?.resourceVersion === 'string' && meta.resourceVersion !== '')
      this.state = { ...this.state, resourceVersion: meta.resourceVersion };
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
