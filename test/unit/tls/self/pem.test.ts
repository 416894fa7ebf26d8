import {
  bundleContains,
  bundlePem,
  dedupeCas,
  mergeCaBundle,
  readCaBundle,
  splitPemCertificates,
  unexpiredCas,
  type CaCertificate,
} from '../../../../src/tls/self/pem.js';
import { ca, makeFixtures, NOW, SLOW, type Fixtures } from './fixtures.js';

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
}, SLOW);

const day = (n: number): Date => new Date(NOW.getTime() + n * 86_400_000);
/** A CA reduced to what the bundle logic reads: identity and validity window. */
const fake = (id: string, from: number, to: number): CaCertificate => ({
  pem: `PEM-${id}\n`,
  fingerprint: id,
  subject: `CN=${id}`,
  notBefore: day(from),
  notAfter: day(to),
});
const A = fake('A', -10, 1000);
const B = fake('B', 5, 2000); // newer than A
const C = fake('C', -500, -1); // expired
const D = fake('D', -20, 900); // older than A, unexpired
const E = fake('E', -5, -1); // newer than A, but expired
const ids = (cas: readonly CaCertificate[]): string[] => cas.map((c) => c.fingerprint);

describe('splitPemCertificates', () => {
  it('normalises line ends and wrapping so the same certificate compares equal', () => {
    const pem = f.caA.cert;
    const crlf = pem.replace(/\n/g, '\r\n');
    const body = pem.split('\n').slice(1, -2).join('');
    const oneLine = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
    expect(splitPemCertificates(crlf)).toEqual([pem]);
    expect(splitPemCertificates(`junk before\n${oneLine}\ntrailing`)).toEqual([pem]);
  });

  it('keeps certificates in order and skips other blocks (keys)', () => {
    const text = `${f.caA.cert}${f.caA.key}${f.caB.cert}`;
    expect(splitPemCertificates(text)).toEqual([f.caA.cert, f.caB.cert]);
    expect(splitPemCertificates('')).toEqual([]);
  });
});

describe('readCaBundle', () => {
  it('reads CA certificates with their identity and validity', () => {
    const read = readCaBundle(f.caA.cert + f.caOld.cert);
    expect(read.problems).toEqual([]);
    expect(read.cas.map((c) => c.subject)).toEqual(['CN=ca-a', 'CN=ca-old']);
    expect(read.cas[0]?.notBefore.getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(read.cas[1]?.notAfter.getTime()).toBeLessThan(NOW.getTime());
  });

  it('leaves out a serving certificate and a block that does not parse, and says why', () => {
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const read = readCaBundle(f.servingA.cert + broken + f.caB.cert);
    expect(read.cas.map((c) => c.subject)).toEqual(['CN=ca-b']);
    expect(read.problems).toHaveLength(2);
    expect(read.problems[0]).toMatch(/certificate 1 .* is not a CA/);
    expect(read.problems[1]).toMatch(/certificate 2 does not parse/);
  });
});

describe('dedupe, expiry and containment', () => {
  it.each([
    [
      [A, A, B],
      ['A', 'B'],
    ],
    [
      [B, A, B, A],
      ['B', 'A'],
    ],
    [[], []],
  ])('dedupeCas %#', (input, expected) => {
    expect(ids(dedupeCas(input))).toEqual(expected);
  });

  it('unexpiredCas drops the expired and the repeated', () => {
    expect(ids(unexpiredCas([C, A, C, B, A], NOW))).toEqual(['A', 'B']);
  });

  it.each([
    [[A, B], [A], true],
    [[A], [A, B], false],
    [[], [], true],
    [[B], [A], false],
  ])('bundleContains %#', (bundle, needed, expected) => {
    expect(bundleContains(bundle, needed)).toBe(expected);
  });

  it('bundlePem concatenates the normalised certificates', () => {
    expect(bundlePem([ca(f.caA.cert), ca(f.caB.cert)])).toBe(f.caA.cert + f.caB.cert);
  });
});

describe('mergeCaBundle: what the caBundle should hold', () => {
  it.each([
    ['empty caBundle gets the desired CAs', [A], [], ['A']],
    ['already right stays the same', [A], [A], ['A']],
    ['desired order wins, each CA once', [B, A], [A, B], ['B', 'A']],
    ['a newer unexpired CA of another replica is kept', [A], [B], ['A', 'B']],
    ['an older unwanted CA is dropped', [A], [D], ['A']],
    ['an expired CA is dropped', [A], [C], ['A']],
    ['a newer but expired CA is dropped', [A], [E], ['A']],
    ['a rotation: old and new desired, stale extras go', [B, A], [A, D, C], ['B', 'A']],
    ['nothing desired keeps only unexpired current CAs', [], [A, C], ['A']],
  ])('%s', (_name, desired, current, expected) => {
    expect(ids(mergeCaBundle(desired, current, NOW))).toEqual(expected);
  });
});
