import { makeCA, makeServingCert, type PemPair } from '../../../../src/tls/certs.js';
import { readCaBundle, type CaCertificate } from '../../../../src/tls/self/pem.js';

/** Real certificates, made once per test file: the checks under test are OpenSSL's, not a fake's. */
export const NOW = new Date('2030-01-15T12:00:00Z');
export const DAY = 86_400_000;
// Key generation takes a few hundred ms per key on a busy 2-core machine.
export const SLOW = 60_000;
export const NAMES = { dnsNames: ['localhost', 'kc.kc-system.svc'], ipAddresses: ['127.0.0.1', '::1'] };

export interface Fixtures {
  /** The current CA (made at NOW, 5 years). */
  readonly caA: PemPair;
  /** A newer CA (made a day after NOW). */
  readonly caB: PemPair;
  /** A CA that expired before NOW. */
  readonly caOld: PemPair;
  /** Signed by caA for NAMES, 365 days from NOW. */
  readonly servingA: PemPair;
  /** Signed by caB for NAMES. */
  readonly servingB: PemPair;
}

export async function makeFixtures(): Promise<Fixtures> {
  const caA = await makeCA({ commonName: 'ca-a', validDays: 5 * 365, now: NOW });
  const caB = await makeCA({ commonName: 'ca-b', validDays: 5 * 365, now: new Date(NOW.getTime() + DAY) });
  const caOld = await makeCA({
    commonName: 'ca-old',
    validDays: 30,
    now: new Date(NOW.getTime() - 400 * DAY),
  });
  const servingA = await makeServingCert({ ca: caA, ...NAMES, validDays: 365, now: NOW });
  const servingB = await makeServingCert({
    ca: caB,
    ...NAMES,
    validDays: 365,
    now: new Date(NOW.getTime() + DAY),
  });
  return { caA, caB, caOld, servingA, servingB };
}

/** The one CA certificate of `pem`, read as the bundle code reads it. */
export function ca(pem: string): CaCertificate {
  const first = readCaBundle(pem).cas[0];
  if (!first) throw new Error('fixture is not a CA');
  return first;
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
