import type { Logger } from '../../observability/logger.js';

/**
 * One log line about Portworx being unavailable per interval, not one per extender call: when
 * Portworx is down every pod asks, and the metric already counts each fallback. The line after a
 * quiet interval says how many failures it stood for; the first success after failures says so once.
 */
export class FailureLog {
  private lastLoggedAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;
  private failing = false;

  constructor(
    private readonly logger: Logger | undefined,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  failed(err: unknown): void {
    this.failing = true;
    this.unlogged++;
    const now = this.now();
    if (now - this.lastLoggedAt < this.intervalMs) return;
    this.logger?.warn(
      {
        source: 'portworx',
        problem: err instanceof Error ? err.message : String(err),
        failures: this.unlogged,
        sinceMs: Number.isFinite(this.lastLoggedAt) ? now - this.lastLoggedAt : undefined,
      },
      'Portworx unavailable: placement falls back to the next source (topology from Kubernetes)',
    );
    this.lastLoggedAt = now;
    this.unlogged = 0;
  }

  recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger?.info({ source: 'portworx', unloggedFailures: this.unlogged }, 'Portworx answers again');
    this.unlogged = 0;
    this.lastLoggedAt = Number.NEGATIVE_INFINITY;
  }
}
