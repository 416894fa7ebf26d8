import { caBundlePatch, webhooksTrust, type WebhookCaState } from '../../../../src/tls/self/webhook.js';
import { b64, ca, makeFixtures, NOW, SLOW, type Fixtures } from './fixtures.js';

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
}, SLOW);

const config = (...bundles: (string | undefined)[]): WebhookCaState => ({
  resourceVersion: '42',
  webhooks: bundles.map((pem, i) => ({
    name: `w${i}.kc.io`,
    ...(pem === undefined ? {} : { caBundle: b64(pem) }),
  })),
});

describe('caBundlePatch', () => {
  it('sets every unset caBundle, with the version read as a precondition first', () => {
    const ops = caBundlePatch(config(undefined, undefined), [ca(f.caA.cert)], NOW);
    expect(ops).toEqual([
      { op: 'replace', path: '/metadata/resourceVersion', value: '42' },
      { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: b64(f.caA.cert) },
      { op: 'add', path: '/webhooks/1/clientConfig/caBundle', value: b64(f.caA.cert) },
    ]);
  });

  it('is empty when every caBundle already holds exactly the wanted CAs', () => {
    expect(caBundlePatch(config(f.caA.cert, f.caA.cert), [ca(f.caA.cert)], NOW)).toEqual([]);
  });

  it('rewrites a caBundle that differs only in formatting once, to the normal form', () => {
    const crlf = f.caA.cert.replace(/\n/g, '\r\n');
    const ops = caBundlePatch(config(crlf), [ca(f.caA.cert)], NOW);
    expect(ops.map((o) => o.path)).toEqual([
      '/metadata/resourceVersion',
      '/webhooks/0/clientConfig/caBundle',
    ]);
    expect(ops[1]?.value).toBe(b64(f.caA.cert));
  });

  it('touches only the webhooks that differ', () => {
    const ops = caBundlePatch(config(f.caA.cert, f.caOld.cert, f.caA.cert), [ca(f.caA.cert)], NOW);
    expect(ops.map((o) => o.path)).toEqual([
      '/metadata/resourceVersion',
      '/webhooks/1/clientConfig/caBundle',
    ]);
  });

  it('during a rotation writes the new and the old CA', () => {
    const ops = caBundlePatch(config(f.caA.cert), [ca(f.caB.cert), ca(f.caA.cert)], NOW);
    expect(ops[1]?.value).toBe(b64(f.caB.cert + f.caA.cert));
  });

  it('keeps a newer CA another replica already wrote while this one still reads the old Secret', () => {
    expect(caBundlePatch(config(f.caA.cert + f.caB.cert), [ca(f.caA.cert)], NOW)).toEqual([]);
  });

  it('replaces garbage', () => {
    const ops = caBundlePatch(config('not a certificate'), [ca(f.caA.cert)], NOW);
    expect(ops[1]?.value).toBe(b64(f.caA.cert));
  });

  it('has nothing to do for a configuration without webhooks', () => {
    expect(caBundlePatch(config(), [ca(f.caA.cert)], NOW)).toEqual([]);
  });
});

describe('webhooksTrust', () => {
  it.each<[string, (x: Fixtures) => (string | undefined)[], boolean]>([
    ['every webhook holds the CA', (x) => [x.caA.cert, x.caB.cert + x.caA.cert], true],
    ['one webhook lacks it', (x) => [x.caA.cert, x.caB.cert], false],
    ['one webhook has no caBundle', (x) => [x.caA.cert, undefined], false],
    ['no webhooks at all', () => [], true],
  ])('%s', (_name, bundles, expected) => {
    expect(webhooksTrust(config(...bundles(f)), [ca(f.caA.cert)])).toBe(expected);
  });
});
