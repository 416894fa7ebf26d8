import {
  decodeSecretData,
  encodeSecretData,
  issuerOf,
  readCertSecret,
  SECRET_KEYS,
  type CertSet,
} from '../../../../src/tls/self/secret-data.js';
import { b64, ca, makeFixtures, SLOW, type Fixtures } from './fixtures.js';

let f: Fixtures;
let good: CertSet;
beforeAll(async () => {
  f = await makeFixtures();
  good = { caCert: f.caA.cert, caKey: f.caA.key, tlsCert: f.servingA.cert, tlsKey: f.servingA.key };
}, SLOW);

describe('Secret data encoding', () => {
  it('writes the four keys as base64 and reads them back', () => {
    const data = encodeSecretData(good);
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    expect(Buffer.from(data['tls.crt'] ?? '', 'base64').toString('utf8')).toBe(good.tlsCert);
    expect(decodeSecretData(data)).toEqual(good);
  });

  it('treats missing and empty keys as absent and ignores other keys', () => {
    expect(decodeSecretData(undefined)).toEqual({});
    expect(decodeSecretData({ 'ca.crt': '', 'tls.crt': b64('x'), other: b64('y') })).toEqual({
      tlsCert: 'x',
    });
  });
});

describe('readCertSecret: judging each piece', () => {
  const read = (over: Partial<CertSet>, drop: (keyof CertSet)[] = []) => {
    const set: Record<string, string> = { ...good, ...over };
    for (const k of drop) delete set[k];
    const data: Record<string, string> = {};
    for (const [field, key] of Object.entries(SECRET_KEYS)) {
      if (set[field] !== undefined) data[key] = b64(set[field]);
    }
    return readCertSecret(data);
  };

  it('a complete Secret has a signer, a serving pair and its issuer', () => {
    const s = read({});
    expect(s.signerProblem).toBeUndefined();
    expect(s.servingProblem).toBeUndefined();
    expect(s.signer?.ca.subject).toBe('CN=ca-a');
    expect(s.serving?.issuer.fingerprint).toBe(ca(f.caA.cert).fingerprint);
    expect(s.serving?.checked.info.dnsNames).toEqual(['localhost', 'kc.kc-system.svc']);
    expect(s.serving?.checked.material.ca).toBe(f.caA.cert);
  });

  it('during a rotation the signer is the CA of ca.key and the pair may come from the older CA', () => {
    const s = read({ caCert: f.caB.cert + f.caA.cert, caKey: f.caB.key });
    expect(s.trusted.map((c) => c.subject)).toEqual(['CN=ca-b', 'CN=ca-a']);
    expect(s.signer?.ca.subject).toBe('CN=ca-b');
    expect(s.serving?.issuer.subject).toBe('CN=ca-a');
  });

  it.each<
    [string, (x: Fixtures) => Partial<CertSet>, (keyof CertSet)[], RegExp | undefined, RegExp | undefined]
  >([
    ['no ca.key', () => ({}), ['caKey'], /ca.key is missing/, undefined],
    ['ca.key is not a key', () => ({ caKey: 'nonsense' }), [], /ca.key is not a private key/, undefined],
    ['ca.key of another CA', (x) => ({ caKey: x.caB.key }), [], /belongs to no CA certificate/, undefined],
    ['no tls.key', () => ({}), ['tlsKey'], undefined, /tls.crt or tls.key is missing/],
    [
      'tls.key of another pair',
      (x) => ({ tlsKey: x.servingB.key }),
      [],
      undefined,
      /mismatch|does not belong/,
    ],
    [
      'pair signed by a CA not in ca.crt',
      (x) => ({ tlsCert: x.servingB.cert, tlsKey: x.servingB.key }),
      [],
      undefined,
      /not signed by a CA of ca.crt/,
    ],
    [
      'ca.crt holds only a serving certificate',
      (x) => ({ caCert: x.servingA.cert }),
      [],
      /ca.crt holds no CA certificate: .*not a CA/,
      /not signed/,
    ],
  ])('%s', (_name, over, drop, signerProblem, servingProblem) => {
    const s = read(over(f), drop);
    if (signerProblem) {
      expect(s.signer).toBeUndefined();
      expect(s.signerProblem).toMatch(signerProblem);
    } else {
      expect(s.signer?.ca.subject).toBe('CN=ca-a');
    }
    if (servingProblem) {
      expect(s.serving).toBeUndefined();
      expect(s.servingProblem).toMatch(servingProblem);
    } else {
      expect(s.serving?.issuer.subject).toBe('CN=ca-a');
    }
  });

  it('issuerOf finds the CA whose signature the certificate carries', () => {
    const trusted = [ca(f.caB.cert), ca(f.caA.cert)];
    expect(issuerOf(f.servingA.cert, trusted)?.subject).toBe('CN=ca-a');
    expect(issuerOf(f.servingB.cert, trusted)?.subject).toBe('CN=ca-b');
    expect(issuerOf(f.servingA.cert, [ca(f.caB.cert)])).toBeUndefined();
  });
});
