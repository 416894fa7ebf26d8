import { carryOut, issueFresh } from '../../../../src/tls/self/issue.js';
import { renewalPolicy } from '../../../../src/tls/self/plan.js';
import { encodeSecretData, readCertSecret, type CertSet } from '../../../../src/tls/self/secret-data.js';
import { DAY, makeFixtures, NAMES, NOW, SLOW, type Fixtures } from './fixtures.js';

const POLICY = renewalPolicy(365 * DAY, 30 * DAY);
const ctx = { want: NAMES, policy: POLICY, now: NOW };
const reread = (set: CertSet) => readCertSecret(encodeSecretData(set));

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
}, SLOW);

describe('carryOut: the Secret content for each plan (real keys, checked by OpenSSL)', () => {
  it(
    'issueFresh makes a CA and a pair it signed, for the wanted names',
    async () => {
      const s = reread(await issueFresh(ctx));
      expect(s.signerProblem).toBeUndefined();
      expect(s.servingProblem).toBeUndefined();
      expect(s.trusted).toHaveLength(1);
      expect(s.serving?.issuer.fingerprint).toBe(s.signer?.ca.fingerprint);
      expect(s.serving?.checked.info.dnsNames).toEqual(NAMES.dnsNames);
      expect(s.serving?.checked.info.ipAddresses).toEqual(NAMES.ipAddresses);
      // Serving: one year; CA: five (certs.ts backdates notBefore by 5 minutes for clock skew).
      expect(s.serving?.checked.info.notAfter).toEqual(new Date(NOW.getTime() + 365 * DAY));
      expect(s.signer?.ca.notAfter).toEqual(new Date(NOW.getTime() + 5 * 365 * DAY));
    },
    SLOW,
  );

  it(
    'issue-serving keeps the CA and drops expired CAs from the bundle',
    async () => {
      const before = reread({
        caCert: f.caA.cert + f.caOld.cert,
        caKey: f.caA.key,
        tlsCert: f.servingA.cert,
        tlsKey: f.servingA.key,
      });
      const after = reread(await carryOut({ action: 'issue-serving', reason: 'test' }, before, ctx));
      expect(after.signer?.ca.fingerprint).toBe(before.signer?.ca.fingerprint);
      expect(after.signer?.key).toBe(f.caA.key);
      expect(after.trusted.map((c) => c.subject)).toEqual(['CN=ca-a']);
      expect(after.serving?.issuer.subject).toBe('CN=ca-a');
      expect(after.serving?.checked.info.serialNumber).not.toBe(before.serving?.checked.info.serialNumber);
    },
    SLOW,
  );

  it(
    'rotate-ca puts a new CA first, keeps the old one trusted and the pair unchanged',
    async () => {
      const before = reread({
        caCert: f.caA.cert,
        caKey: f.caA.key,
        tlsCert: f.servingA.cert,
        tlsKey: f.servingA.key,
      });
      const set = await carryOut({ action: 'rotate-ca', reason: 'test' }, before, ctx);
      const after = reread(set);
      expect(after.trusted).toHaveLength(2);
      expect(after.trusted[1]?.fingerprint).toBe(before.signer?.ca.fingerprint);
      expect(after.signer?.ca.fingerprint).toBe(after.trusted[0]?.fingerprint);
      expect(after.signer?.ca.fingerprint).not.toBe(before.signer?.ca.fingerprint);
      expect(set.tlsCert).toBe(f.servingA.cert);
      expect(set.tlsKey).toBe(f.servingA.key);
      expect(after.serving?.issuer.subject).toBe('CN=ca-a');
    },
    SLOW,
  );
});
