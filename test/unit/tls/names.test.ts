import {
  CertificateInputError,
  checkSubjectNames,
  checkValidDays,
  dnsNameProblem,
  ipAddressBytes,
  ipAddressProblem,
} from '../../../src/tls/names.js';

describe('dnsNameProblem', () => {
  it.each([
    'localhost',
    'kube-converge.kube-system.svc',
    'kube-converge.kube-system.svc.cluster.local',
    '*.kube-system.svc',
    'a',
    'Node-1.Example.COM',
    '0abc.example',
    `${'a'.repeat(63)}.example`,
  ])('accepts %s', (name) => {
    expect(dnsNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /1–253/],
    ['*.', /1–253/],
    ['-leading.example', /RFC 1123/],
    ['trailing-.example', /RFC 1123/],
    ['under_score.example', /RFC 1123/],
    ['double..dot', /RFC 1123/],
    ['trailing.dot.', /RFC 1123/],
    ['foo.*.example', /RFC 1123/],
    ['*foo.example', /RFC 1123/],
    ['**.example', /RFC 1123/],
    ['space name', /RFC 1123/],
    [`${'a'.repeat(64)}.example`, /RFC 1123/],
    [Array.from({ length: 64 }, () => 'abc').join('.'), /1–253/],
    ['10.0.0.1', /IP address/],
    ['::1', /IP address/],
  ])('rejects %j', (name, why) => {
    expect(dnsNameProblem(name)).toMatch(why);
  });
});

describe('ipAddressProblem', () => {
  it.each(['127.0.0.1', '10.96.0.10', '::1', 'fd00::10', '::ffff:10.0.0.1', '2001:db8::1:0:0:1'])(
    'accepts %s',
    (ip) => {
      expect(ipAddressProblem(ip)).toBeUndefined();
    },
  );

  it.each(['', 'localhost', '256.0.0.1', '10.0.0', '1.2.3.4.5', 'fe80::1%eth0', ':::1', '10.0.0.1/32'])(
    'rejects %j',
    (ip) => {
      expect(ipAddressProblem(ip)).toMatch(/not an IPv4 or IPv6 address/);
    },
  );
});

describe('checkSubjectNames', () => {
  it('removes duplicates and keeps order', () => {
    expect(checkSubjectNames(['b', 'a', 'b'], ['10.0.0.1', '10.0.0.1', '::1'])).toEqual({
      dnsNames: ['b', 'a'],
      ipAddresses: ['10.0.0.1', '::1'],
    });
  });

  it.each([
    [['good.example', 'bad_name'], [], 'DNS name "bad_name"'],
    [['good.example'], ['10.0.0.1', '10.0.0.300'], 'IP address "10.0.0.300"'],
    [['10.1.2.3'], [], 'DNS name "10.1.2.3" is an IP address'],
    [[], [], 'at least one DNS name or IP address'],
  ])('rejects dns=%j ip=%j naming the bad value', (dns, ip, message) => {
    const attempt = (): unknown => checkSubjectNames(dns, ip);
    expect(attempt).toThrow(CertificateInputError);
    expect(attempt).toThrow(message);
  });
});

describe('checkValidDays', () => {
  it.each([1, 30, 365, 3650])('accepts %d', (days) => {
    expect(checkValidDays(days)).toBe(days);
  });
  it.each([0, -1, 1.5, 3651, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d naming it', (days) => {
    expect(() => checkValidDays(days)).toThrow(
      new CertificateInputError(`validity ${String(days)} days is not a whole number between 1 and 3650`),
    );
  });
});

describe('ipAddressBytes', () => {
  it.each([
    ['127.0.0.1', '7f000001'],
    ['10.96.0.10', '0a60000a'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['fd00::10', 'fd000000000000000000000000000010'],
    ['2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
    ['2001:db8:1:2:3:4:5:6', '20010db8000100020003000400050006'],
    // forge's own parser would see the dot and write 4 bytes here.
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
  ])('%s', (ip, hex) => {
    expect(Buffer.from(ipAddressBytes(ip)).toString('hex')).toBe(hex);
  });
});
