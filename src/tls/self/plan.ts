import type { CertificateInfo } from '../info.js';
import type { SubjectNames } from '../names.js';
import type { CertSecretState, SigningCa } from './secret-data.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** How long certificates live and when they are replaced. */
export interface RenewalPolicy {
  /** Lifetime of a serving certificate (`certValidity`). */
  readonly servingValidityMs: number;
  /** A serving certificate is replaced when less than this is left (`certRenewBefore`). */
  readonly renewBeforeMs: number;
  /** Lifetime of a CA: CA_LIFETIME_FACTOR serving lifetimes. */
  readonly caValidityMs: number;
  /**
   * A CA is replaced when less than this is left: one serving lifetime. Serving certificates are cut
   * at their CA's expiry (certs.ts), so rotating earlier than that keeps every serving certificate at
   * full length, and the old CA stays trusted long enough for the pairs it signed to be replaced.
   */
  readonly caRenewBeforeMs: number;
  /**
   * How long a new CA must have been seen in the webhook's caBundle before a serving certificate
   * signed by it is served. Every API server must have seen the new caBundle first (they follow webhook
   * configurations through an informer: normally within a second); an hour is generous.
   */
  readonly caOverlapMs: number;
}

/** A CA lives this many serving lifetimes (5 years for the default 1-year serving certificate). */
export const CA_LIFETIME_FACTOR = 5;
export const DEFAULT_CA_OVERLAP_MS = HOUR_MS;

export function renewalPolicy(
  servingValidityMs: number,
  renewBeforeMs: number,
  caOverlapMs: number = DEFAULT_CA_OVERLAP_MS,
): RenewalPolicy {
  return {
    servingValidityMs,
    renewBeforeMs,
    caValidityMs: servingValidityMs * CA_LIFETIME_FACTOR,
    caRenewBeforeMs: servingValidityMs,
    caOverlapMs,
  };
}

/** Whole days of a lifetime, as certs.ts wants them (at least one). */
export function validDays(ms: number): number {
  return Math.max(1, Math.floor(ms / DAY_MS));
}

/** True when a certificate ending at `notAfter` is within `renewBeforeMs` of its end (or past it). */
export function isDue(now: Date, notAfter: Date, renewBeforeMs: number): boolean {
  return now.getTime() >= notAfter.getTime() - renewBeforeMs;
}

/** True when the certificate names exactly `want` (DNS names compared case-insensitively). */
export function namesMatch(info: CertificateInfo, want: SubjectNames): boolean {
  const same = (a: readonly string[], b: readonly string[]): boolean => {
    const left = new Set(a);
    const right = new Set(b);
    return left.size === right.size && [...left].every((x) => right.has(x));
  };
  const lower = (names: readonly string[]): string[] => names.map((n) => n.toLowerCase());
  return same(lower(info.dnsNames), lower(want.dnsNames)) && same(info.ipAddresses, want.ipAddresses);
}

export interface PlanInput {
  readonly state: CertSecretState;
  readonly want: SubjectNames;
  readonly now: Date;
  readonly policy: RenewalPolicy;
  /**
   * Since when this replica has seen every webhook's caBundle hold the signing CA (with no webhook
   * configuration managed: since it first saw the CA); undefined while it has not.
   */
  readonly signerTrustedSince: Date | undefined;
}

/** What to do with the Secret. Only `keep` and `wait` leave it as it is. */
export type Plan =
  | { readonly action: 'keep'; readonly recheckAt: Date }
  | { readonly action: 'wait'; readonly reason: string; readonly until: Date }
  /** New CA and new serving pair, served at once: nothing usable would be lost. */
  | { readonly action: 'issue-all'; readonly reason: string }
  /** New CA added to the trust bundle; the serving pair stays until the CA has been trusted long enough. */
  | { readonly action: 'rotate-ca'; readonly reason: string }
  /** New serving pair signed by the current signing CA. */
  | { readonly action: 'issue-serving'; readonly reason: string };

function servingUsable(state: CertSecretState, now: Date): boolean {
  return state.serving !== undefined && state.serving.checked.info.notAfter.getTime() > now.getTime();
}

/** The CA half: is there a signing CA with life left? Undefined when there is. */
function planSigner(input: PlanInput): Plan | undefined {
  const { state, now, policy } = input;
  const signer = state.signer;
  const expired = signer !== undefined && signer.ca.notAfter.getTime() <= now.getTime();
  if (signer === undefined || expired) {
    const why =
      signer === undefined ? (state.signerProblem ?? 'no signing CA') : 'the signing CA has expired';
    // A serving pair that still works keeps working while a new CA is trusted first.
    return servingUsable(state, now)
      ? { action: 'rotate-ca', reason: `${why}; the serving certificate is kept meanwhile` }
      : { action: 'issue-all', reason: why };
  }
  if (isDue(now, signer.ca.notAfter, policy.caRenewBeforeMs)) {
    return { action: 'rotate-ca', reason: `the CA expires at ${signer.ca.notAfter.toISOString()}` };
  }
  return undefined;
}

/** The serving half, given a signing CA with life left. */
function planServing(input: PlanInput, signer: SigningCa): Plan {
  const { state, now, policy, want } = input;
  const serving = state.serving;
  if (serving === undefined) return { action: 'issue-serving', reason: state.servingProblem ?? 'no pair' };
  const info = serving.checked.info;
  if (info.notAfter.getTime() <= now.getTime()) {
    return { action: 'issue-serving', reason: 'the serving certificate has expired' };
  }
  if (serving.issuer.fingerprint !== signer.ca.fingerprint) {
    const since = input.signerTrustedSince;
    if (since === undefined) {
      return { action: 'wait', reason: "the webhook's caBundle does not hold the new CA yet", until: now };
    }
    const from = new Date(since.getTime() + policy.caOverlapMs);
    if (now < from)
      return { action: 'wait', reason: 'the new CA is not trusted long enough yet', until: from };
    return { action: 'issue-serving', reason: 'moving the serving certificate to the new CA' };
  }
  if (!namesMatch(info, want)) return { action: 'issue-serving', reason: 'the wanted names changed' };
  if (isDue(now, info.notAfter, policy.renewBeforeMs)) {
    return {
      action: 'issue-serving',
      reason: `the serving certificate expires at ${info.notAfter.toISOString()}`,
    };
  }
  const servingDue = info.notAfter.getTime() - policy.renewBeforeMs;
  const caDue = signer.ca.notAfter.getTime() - policy.caRenewBeforeMs;
  return { action: 'keep', recheckAt: new Date(Math.min(servingDue, caDue)) };
}

/**
 * Decides what the Secret needs, in order: a signing CA with life left (else a new CA — served at once
 * only when there is no working pair to keep), then a working serving pair for the wanted names,
 * signed by that CA once the CA has been seen in the caBundle for the overlap, and renewed `renewBefore`
 * ahead of its expiry. Pure: the clock and the caBundle check come in as values.
 */
export function planCertificates(input: PlanInput): Plan {
  const signerPlan = planSigner(input);
  if (signerPlan !== undefined || input.state.signer === undefined) {
    return signerPlan ?? { action: 'issue-all', reason: 'no signing CA' };
  }
  return planServing(input, input.state.signer);
}

/** `baseMs` spread by ±`fraction` (random in [0, 1)), so replicas started together drift apart. */
export function jittered(baseMs: number, fraction: number, random: number): number {
  return Math.round(baseMs * (1 - fraction + 2 * fraction * random));
}

/** Exponential backoff after `failures` consecutive failures (≥ 1), capped, with half jitter. */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** When to look again after a sync that ended with `plan`: the poll interval, or sooner when due. */
export function nextSyncDelay(plan: Plan, now: Date, intervalMs: number): number {
  const due = plan.action === 'keep' ? plan.recheckAt : plan.action === 'wait' ? plan.until : undefined;
  if (due === undefined) return 0;
  // A `wait` for "now" (the caBundle not written yet) is retried at the next poll, not in a busy loop.
  const untilDue = due.getTime() - now.getTime();
  return untilDue > 0 ? Math.min(intervalMs, untilDue) : intervalMs;
}
