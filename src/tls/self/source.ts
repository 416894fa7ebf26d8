import { describe, type TlsLogger } from '../material.js';
import type { SubjectNames } from '../names.js';
import type { TlsSource } from '../reloading.js';
import { ServedPair } from '../served.js';
import type { CertApi, SecretSnapshot } from './api.js';
import { SelfCertError } from './errors.js';
import { carryOut, issueFresh } from './issue.js';
import { unexpiredCas } from './pem.js';
import {
  backoffMs,
  jittered,
  nextSyncDelay,
  planCertificates,
  type Plan,
  type RenewalPolicy,
} from './plan.js';
import { encodeSecretData, readCertSecret, type CertSecretState } from './secret-data.js';
import { caBundlePatch, webhooksTrust } from './webhook.js';

export interface SecretTlsSourceOptions {
  readonly api: CertApi;
  /** The names every serving certificate carries (checked: see checkSubjectNames). */
  readonly names: SubjectNames;
  readonly policy: RenewalPolicy;
  readonly logger: TlsLogger;
  /** How often the Secret is read, the caBundle checked and renewal decided. Default 30 s. */
  readonly intervalMs?: number;
  /** ± share of the interval added at random, so replicas drift apart. Default 0.2. */
  readonly jitter?: number;
  /** First retry delay after a failed sync (doubling up to the interval). Default 1 s. */
  readonly retryBaseMs?: number;
  readonly clock?: () => Date;
  readonly random?: () => number;
}

const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_JITTER = 0.2;
const DEFAULT_RETRY_BASE_MS = 1_000;
// Reads and writes per sync before giving up until the next one: each lost race means another replica
// made progress, so a handful is plenty.
const MAX_ROUNDS = 5;

/**
 * Serves the pair kept in a Secret that every replica shares (`self` certificate mode), makes that
 * Secret when it does not exist, renews it ahead of expiry, and keeps our webhook configuration's
 * caBundle in step. All coordination between replicas is optimistic concurrency on the API server:
 * create fails with 409 for all but one replica, updates carry the resourceVersion they were based on,
 * and the loser of a race reads the winner's result instead of retrying its own.
 *
 * The Secret is followed by polling one object (GET every `intervalMs`) rather than watching: it needs
 * only `get` on one resourceName, there is no watch to re-establish, and nothing here is urgent — a
 * certificate is renewed `renewBefore` (30 days) ahead, and a new CA waits an hour in the caBundle
 * before it signs what is served. The same poll repairs a caBundle that someone (a `helm upgrade`)
 * overwrote.
 */
export class SecretTlsSource extends ServedPair implements TlsSource {
  private timer: NodeJS.Timeout | undefined;
  private queued: Promise<void> | undefined;
  private tail: Promise<void> = Promise.resolve();
  private failures = 0;
  // When this replica first saw the caBundle hold the signing CA: the start of the CA overlap.
  private trusted: { readonly fingerprint: string; readonly since: Date } | undefined;
  private closed = false;
  // The last message per topic, so a poll every 30 s does not repeat the same complaint.
  private readonly reported = new Map<string, string>();

  constructor(private readonly options: SecretTlsSourceOptions) {
    super();
  }

  /** The first sync; resolves whether or not it worked (see `loaded`), retries keep going meanwhile. */
  start(): Promise<void> {
    return this.refresh();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /**
   * Syncs now (after the one in flight, if any) and schedules the next. Never rejects: failures are
   * logged and retried with backoff.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.tail.then(async () => {
      this.queued = undefined;
      if (!this.closed) await this.runOnce();
    });
    this.queued = run;
    this.tail = run;
    return run;
  }

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }
  private random(): number {
    return this.options.random?.() ?? Math.random();
  }

  private async runOnce(): Promise<void> {
    clearTimeout(this.timer);
    const intervalMs = this.options.intervalMs ?? DEFAULT_INTERVAL_MS;
    let delay: number;
    try {
      const plan = await this.sync();
      this.failures = 0;
      this.clear('sync');
      delay = jittered(
        nextSyncDelay(plan, this.now(), intervalMs),
        this.options.jitter ?? DEFAULT_JITTER,
        this.random(),
      );
    } catch (err) {
      this.failures += 1;
      delay = backoffMs(
        this.failures,
        this.options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
        intervalMs,
        this.random(),
      );
      const keeping = this.loaded ? 'still serving the current certificate' : 'no certificate to serve yet';
      this.options.logger.error(
        { err, secret: this.options.api.secretRef, failures: this.failures, retryInMs: delay },
        `certificate Secret sync failed; ${keeping}`,
      );
    }
    if (this.closed) return;
    this.timer = setTimeout(() => void this.refresh(), Math.max(delay, 0));
    this.timer.unref();
  }

  /** Read, serve, keep the caBundle, and act on the plan until it says keep or wait. */
  private async sync(): Promise<Plan> {
    const { api, logger } = this.options;
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const secret = (await api.getSecret()) ?? (await this.createFirst());
      if (secret === undefined) continue;
      const state = readCertSecret(secret.data);
      this.serve(state);
      const now = this.now();
      const signerTrustedSince = this.trustedSince(state, await this.ensureCaBundle(state, now), now);
      const plan = planCertificates({
        state,
        want: this.options.names,
        now,
        policy: this.options.policy,
        signerTrustedSince,
      });
      if (plan.action === 'keep') {
        this.clear('plan');
        return plan;
      }
      if (plan.action === 'wait') {
        this.report('plan', 'info', { secret: api.secretRef, until: plan.until.toISOString() }, plan.reason);
        return plan;
      }
      logger.info(
        { secret: api.secretRef, action: plan.action, reason: plan.reason },
        'updating the certificate Secret',
      );
      const set = await carryOut(plan, state, { want: this.options.names, policy: this.options.policy, now });
      const written = await api.updateSecret(secret, encodeSecretData(set));
      if (written.outcome === 'conflict') {
        logger.info(
          { secret: api.secretRef },
          'the certificate Secret changed meanwhile (another replica); reading it again',
        );
      }
    }
    throw new SelfCertError(`the certificate Secret changed under us ${MAX_ROUNDS} times in a row`);
  }

  /**
   * Since when the caBundle has held the signing CA, as this replica saw it. Kept in memory only: a
   * replica that restarts waits a whole overlap again, which errs on the safe side.
   */
  private trustedSince(state: CertSecretState, trustedNow: boolean, now: Date): Date | undefined {
    const fingerprint = state.signer?.ca.fingerprint;
    if (!trustedNow || fingerprint === undefined) {
      this.trusted = undefined;
      return undefined;
    }
    if (this.trusted?.fingerprint !== fingerprint) this.trusted = { fingerprint, since: now };
    return this.trusted.since;
  }

  /** First start: make a CA and a pair and create the Secret; undefined when another replica won. */
  private async createFirst(): Promise<SecretSnapshot | undefined> {
    const { api, logger } = this.options;
    logger.info({ secret: api.secretRef }, 'no certificate Secret yet; making a CA and a serving pair');
    const set = await issueFresh({ want: this.options.names, policy: this.options.policy, now: this.now() });
    const written = await api.createSecret(encodeSecretData(set));
    if (written.outcome === 'conflict') {
      logger.info(
        { secret: api.secretRef },
        'another replica created the certificate Secret first; using theirs',
      );
      return undefined;
    }
    logger.info({ secret: api.secretRef }, 'created the certificate Secret');
    return written.secret;
  }

  /** Serves the Secret's pair when it works and differs from the one served; never a broken one. */
  private serve(state: CertSecretState): void {
    const pair = state.serving;
    if (pair === undefined) {
      const keeping = this.loaded ? 'keeping the current certificate' : 'no certificate to serve yet';
      this.report(
        'secret',
        'error',
        { secret: this.options.api.secretRef, problem: state.servingProblem },
        `the certificate Secret holds no usable pair; ${keeping}`,
      );
      return;
    }
    this.clear('secret');
    const old = this.checked?.material;
    const next = pair.checked;
    if (this.closed) return;
    if (old && old.cert === next.material.cert && old.key === next.material.key) {
      this.checked = next;
      return;
    }
    const fields = { ...describe(next.info), secret: this.options.api.secretRef, issuer: next.info.issuer };
    this.install(next, this.options.logger, fields, this.now().getTime());
  }

  /**
   * Puts the Secret's CAs into every webhook's caBundle when they are not all there. Returns whether
   * the caBundle now holds the signing CA — the gate for serving from a new CA. A failure here is
   * logged, not thrown: the pair in the Secret is still worth serving.
   */
  private async ensureCaBundle(state: CertSecretState, now: Date): Promise<boolean> {
    const { api, logger } = this.options;
    if (api.webhookRef === undefined) return true;
    const desired = unexpiredCas(state.trusted, now);
    const signer = state.signer?.ca;
    if (desired.length === 0 || signer === undefined) return false;
    try {
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const webhook = await api.getWebhook();
        if (webhook === undefined) {
          // Helm may create it after our pods start; the next poll writes the caBundle then.
          this.report(
            'webhook',
            'warn',
            { webhookConfiguration: api.webhookRef },
            'webhook configuration not found; caBundle not written yet',
          );
          return true;
        }
        const ops = caBundlePatch(webhook, desired, now);
        if (ops.length === 0) {
          this.clear('webhook');
          return webhooksTrust(webhook, [signer]);
        }
        const result = await api.patchWebhook(ops);
        if (result === 'patched') {
          this.clear('webhook');
          logger.info(
            { webhookConfiguration: api.webhookRef, webhooks: ops.length - 1, cas: desired.length },
            'caBundle updated',
          );
          return true;
        }
        // conflict: somebody changed it since we read it; not-found: deleted meanwhile. Read again.
      }
      throw new SelfCertError('the webhook configuration changed under us too often');
    } catch (err) {
      this.report(
        'webhook',
        'warn',
        { err, webhookConfiguration: api.webhookRef },
        'cannot update the caBundle; will retry',
      );
      return false;
    }
  }

  private report(
    topic: string,
    level: 'info' | 'warn' | 'error',
    fields: Record<string, unknown>,
    message: string,
  ): void {
    // The message and what went wrong, not the volatile fields (times), decide what is news.
    const key = `${message} ${textOf(fields.err)} ${textOf(fields.problem)}`;
    if (this.reported.get(topic) === key) return;
    this.reported.set(topic, key);
    this.options.logger[level](fields, message);
  }
  private clear(topic: string): void {
    this.reported.delete(topic);
  }
}

function textOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : '';
}

/** A SecretTlsSource after its first sync (whose result `loaded` tells). */
export async function openSecretTlsSource(options: SecretTlsSourceOptions): Promise<SecretTlsSource> {
  const source = new SecretTlsSource(options);
  await source.start();
  return source;
}
