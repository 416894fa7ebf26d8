import type { SecureContext } from 'node:tls';
import type { CertificateInfo } from '../../../../src/tls/info.js';
import type { CaCertificate } from '../../../../src/tls/self/pem.js';
import {
  backoffMs,
  isDue,
  jittered,
  namesMatch,
  nextSyncDelay,
  planCertificates,
  renewalPolicy,
  validDays,
  type Plan,
} from '../../../../src/tls/self/plan.js';
import type { CertSecretState, ServingPair } from '../../../../src/tls/self/secret-data.js';

const NOW = new Date('2030-01-15T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (days: number): Date => new Date(NOW.getTime() + days * DAY);
const NAMES = { dnsNames: ['localhost', 'kc.kc-system.svc'], ipAddresses: ['127.0.0.1', '::1'] };
const POLICY = renewalPolicy(365 * DAY, 30 * DAY, HOUR);

/** The planner reads identities and dates only; these stand-ins carry exactly those. */
const caOf = (id: string, from: Date, to: Date): CaCertificate => ({
  pem: id,
  fingerprint: id,
  subject: `CN=${id}`,
  notBefore: from,
  notAfter: to,
});
const info = (notAfter: Date, names = NAMES): CertificateInfo => ({
  subject: 'CN=localhost',
  issuer: 'CN=ca',
  serialNumber: '01',
  notBefore: at(-1),
  notAfter,
  ...names,
  fingerprint: 'leaf',
  isCA: false,
});
const pair = (issuer: CaCertificate, notAfter: Date, names = NAMES): ServingPair => ({
  checked: { material: { cert: 'c', key: 'k' }, context: {} as SecureContext, info: info(notAfter, names) },
  issuer,
});

const CA = caOf('ca', at(-100), at(5 * 365 - 100)); // plenty of life left
const NEW_CA = caOf('new', at(-1), at(5 * 365));
const LONG_AGO = at(-100);
const MINUTES_AGO_10 = new Date(NOW.getTime() - 10 * 60_000);
const HOURS_AGO_2 = new Date(NOW.getTime() - 2 * HOUR);
const CA_ENDING = caOf('ending', at(-1500), at(200)); // less than one serving lifetime left
const CA_EXPIRED = caOf('expired', at(-2000), at(-1));

const state = (signer?: CaCertificate, serving?: ServingPair, problems: Partial<CertSecretState> = {}) =>
  ({
    trusted: [signer, serving?.issuer].filter((c): c is CaCertificate => c !== undefined),
    ...(signer ? { signer: { ca: signer, key: 'key' } } : {}),
    ...(serving ? { serving } : {}),
    ...problems,
  }) satisfies CertSecretState;

describe('planCertificates', () => {
  it.each<[string, CertSecretState, Date | undefined, Plan['action'], RegExp | Date | undefined]>([
    [
      'empty Secret: everything new',
      state(undefined, undefined, { signerProblem: 'ca.key is missing' }),
      LONG_AGO,
      'issue-all',
      /ca.key is missing/,
    ],
    [
      'no usable CA but a working pair: trust a new CA first',
      state(undefined, pair(CA, at(100))),
      LONG_AGO,
      'rotate-ca',
      /kept meanwhile/,
    ],
    [
      'expired CA and expired pair: everything new',
      state(CA_EXPIRED, pair(CA_EXPIRED, at(-1))),
      LONG_AGO,
      'issue-all',
      /expired/,
    ],
    [
      'CA with less than a serving lifetime left: rotate',
      state(CA_ENDING, pair(CA_ENDING, at(200))),
      LONG_AGO,
      'rotate-ca',
      /CA expires/,
    ],
    [
      'no pair: issue one',
      state(CA, undefined, { servingProblem: 'tls.key is missing' }),
      LONG_AGO,
      'issue-serving',
      /tls.key is missing/,
    ],
    ['expired pair: issue one', state(CA, pair(CA, at(-0.1))), LONG_AGO, 'issue-serving', /has expired/],
    [
      'pair of the old CA, new CA seen in the caBundle 10 min ago: wait for the overlap',
      state(NEW_CA, pair(CA, at(100))),
      MINUTES_AGO_10,
      'wait',
      new Date(MINUTES_AGO_10.getTime() + HOUR),
    ],
    ['caBundle not seen holding the new CA: wait', state(NEW_CA, pair(CA, at(100))), undefined, 'wait', NOW],
    [
      'caBundle seen holding the new CA for 2 hours: move',
      state(NEW_CA, pair(CA, at(100))),
      HOURS_AGO_2,
      'issue-serving',
      /new CA/,
    ],
    [
      'an expired pair is replaced even within the overlap',
      state(NEW_CA, pair(CA, at(-1))),
      MINUTES_AGO_10,
      'issue-serving',
      /expired/,
    ],
    [
      'names changed: reissue',
      state(CA, pair(CA, at(300), { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] })),
      LONG_AGO,
      'issue-serving',
      /names changed/,
    ],
    ['29 days left: renew', state(CA, pair(CA, at(29))), LONG_AGO, 'issue-serving', /expires at/],
    ['exactly renewBefore left: renew', state(CA, pair(CA, at(30))), LONG_AGO, 'issue-serving', /expires at/],
    ['31 days left: keep, look again when 30 are left', state(CA, pair(CA, at(31))), LONG_AGO, 'keep', at(1)],
  ])('%s', (_name, s, signerTrustedSince, action, detail) => {
    const plan = planCertificates({ state: s, want: NAMES, now: NOW, policy: POLICY, signerTrustedSince });
    expect(plan.action).toBe(action);
    if (detail instanceof RegExp && 'reason' in plan) expect(plan.reason).toMatch(detail);
    if (detail instanceof Date && plan.action === 'wait') expect(plan.until).toEqual(detail);
    if (detail instanceof Date && plan.action === 'keep') expect(plan.recheckAt).toEqual(detail);
  });

  it('keeps with the recheck at the sooner of serving and CA renewal', () => {
    const ca = caOf('ca', at(-10), at(366)); // CA due at day 1 (366 - 365)
    const plan = planCertificates({
      state: state(ca, pair(ca, at(300))),
      want: NAMES,
      now: NOW,
      policy: POLICY,
      signerTrustedSince: LONG_AGO,
    });
    expect(plan).toEqual({ action: 'keep', recheckAt: at(1) });
  });

  it('a pair of another issuer than the signer is never called fine', () => {
    const plan = planCertificates({
      state: state(NEW_CA, pair(CA, at(300))),
      want: NAMES,
      now: NOW,
      policy: POLICY,
      signerTrustedSince: LONG_AGO,
    });
    expect(plan.action).not.toBe('keep');
  });
});

describe('renewal arithmetic', () => {
  it.each([
    [at(31), 30 * DAY, false],
    [at(30), 30 * DAY, true],
    [at(29), 30 * DAY, true],
    [at(-1), 30 * DAY, true],
    [at(1), 0, false],
    [NOW, 0, true],
  ])('isDue(now, %s, %d) = %s', (notAfter, renewBefore, expected) => {
    expect(isDue(NOW, notAfter, renewBefore)).toBe(expected);
  });

  it('the policy derives the CA from the serving lifetime', () => {
    expect(POLICY).toEqual({
      servingValidityMs: 365 * DAY,
      renewBeforeMs: 30 * DAY,
      caValidityMs: 5 * 365 * DAY,
      caRenewBeforeMs: 365 * DAY,
      caOverlapMs: HOUR,
    });
  });

  it.each([
    [365 * DAY, 365],
    [365 * DAY + 23 * HOUR, 365],
    [HOUR, 1],
  ])('validDays(%d) = %d', (ms, days) => {
    expect(validDays(ms)).toBe(days);
  });

  it.each([
    [NAMES, true],
    [{ dnsNames: ['KC.kc-system.svc', 'LOCALHOST'], ipAddresses: ['::1', '127.0.0.1'] }, true],
    [{ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] }, false],
    [{ dnsNames: [...NAMES.dnsNames, 'extra.svc'], ipAddresses: NAMES.ipAddresses }, false],
    [{ dnsNames: NAMES.dnsNames, ipAddresses: ['127.0.0.1'] }, false],
  ])('namesMatch %#', (want, expected) => {
    expect(namesMatch(info(at(1)), want)).toBe(expected);
  });
});

describe('scheduling', () => {
  it.each([
    [1000, 0.2, 0, 800],
    [1000, 0.2, 0.5, 1000],
    [1000, 0.2, 0.999999, 1200],
    [1000, 0, 0.7, 1000],
  ])('jittered(%d, %d, %d) = %d', (base, fraction, random, expected) => {
    expect(jittered(base, fraction, random)).toBe(expected);
  });

  it.each([
    [1, 1000, 30_000, 1, 1000],
    [1, 1000, 30_000, 0, 500],
    [3, 1000, 30_000, 1, 4000],
    [10, 1000, 30_000, 1, 30_000],
    [10, 1000, 30_000, 0, 15_000],
  ])('backoffMs(%d failures, base %d, max %d, random %d) = %d', (failures, base, max, random, expected) => {
    expect(backoffMs(failures, base, max, random)).toBe(expected);
  });

  it.each<[string, Plan, number]>([
    ['keep far ahead: the interval', { action: 'keep', recheckAt: at(10) }, 30_000],
    ['keep due sooner: then', { action: 'keep', recheckAt: new Date(NOW.getTime() + 5000) }, 5000],
    [
      'wait for the overlap: its end',
      { action: 'wait', reason: '', until: new Date(NOW.getTime() + 7000) },
      7000,
    ],
    ['wait for "now": the next poll, not a busy loop', { action: 'wait', reason: '', until: NOW }, 30_000],
  ])('nextSyncDelay: %s', (_name, plan, expected) => {
    expect(nextSyncDelay(plan, NOW, 30_000)).toBe(expected);
  });
});
