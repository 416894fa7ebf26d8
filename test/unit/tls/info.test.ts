import { certificateInfo, parseSubjectAltName } from '../../../src/tls/info.js';

describe('parseSubjectAltName', () => {
  it.each([
    ['', []],
    ['DNS:localhost', [{ type: 'DNS', value: 'localhost' }]],
    [
      'DNS:a.example, DNS:*.b.example, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1',
      [
        { type: 'DNS', value: 'a.example' },
        { type: 'DNS', value: '*.b.example' },
        { type: 'IP Address', value: '10.0.0.1' },
        { type: 'IP Address', value: '0:0:0:0:0:0:0:1' },
      ],
    ],
    // Node quotes values with special characters (CVE-2021-44532) so a comma cannot fake an entry.
    [
      'DNS:"evil.example, DNS:good.example", DNS:plain.example',
      [
        { type: 'DNS', value: 'evil.example, DNS:good.example' },
        { type: 'DNS', value: 'plain.example' },
      ],
    ],
    [
      'URI:"spiffe://x/\\"y\\"", DNS:z',
      [
        { type: 'URI', value: 'spiffe://x/"y"' },
        { type: 'DNS', value: 'z' },
      ],
    ],
    ['email:a@b.example', [{ type: 'email', value: 'a@b.example' }]],
  ])('%j', (text, names) => {
    expect(parseSubjectAltName(text)).toEqual(names);
  });
});

describe('certificateInfo', () => {
  it('throws on something that is not a certificate', () => {
    expect(() => certificateInfo('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow();
    expect(() => certificateInfo('not pem')).toThrow();
  });
});
