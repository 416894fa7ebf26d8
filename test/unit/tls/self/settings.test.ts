import { buildConfig, ConfigError, parseDuration } from '../../../../src/config/config.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const build = (flags: Record<string, unknown> = {}, env: Record<string, string> = {}, file?: unknown) =>
  buildConfig({ flags, env, file, filePath: 'kc.yaml' });
const SELF = { certMode: 'self', certSecret: 'kc-tls', tlsDns: ['kc.kc-system.svc'] };

describe('parseDuration', () => {
  it.each<[string, number | undefined]>([
    ['720h', 720 * HOUR],
    ['8760h', 365 * DAY],
    ['30d', 30 * DAY],
    ['1h30m', 90 * 60_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['1.5h', 90 * 60_000],
    [' 2m ', 120_000],
    ['720', undefined],
    ['', undefined],
    ['h', undefined],
    ['1 h', undefined],
    ['-1h', undefined],
    ['1y', undefined],
  ])('%j -> %s', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });
});

describe('self-mode settings', () => {
  it('defaults: files mode, one-year certificates renewed 30 days ahead', () => {
    const c = build();
    expect(c.certMode).toBe('files');
    expect(c.certValidity).toBe(365 * DAY);
    expect(c.certRenewBefore).toBe(30 * DAY);
    expect(c.certSecret).toBeUndefined();
  });

  it('reads every setting from its flag, environment variable and file key', () => {
    const env = {
      KUBE_CONVERGE_CERT_MODE: 'self',
      KUBE_CONVERGE_CERT_SECRET: 'kc-tls',
      KUBE_CONVERGE_CERT_NAMESPACE: 'kc-system',
      KUBE_CONVERGE_WEBHOOK_CONFIG_NAME: 'kube-converge',
      KUBE_CONVERGE_CERT_RENEW_BEFORE: '48h',
      KUBE_CONVERGE_TLS_DNS: 'kc.kc-system.svc,kc.kc-system.svc.cluster.local',
    };
    const c = build({ certValidity: '90d' }, env, { certRenewBefore: '1h' });
    expect(c).toMatchObject({
      certMode: 'self',
      certSecret: 'kc-tls',
      certNamespace: 'kc-system',
      webhookConfigName: 'kube-converge',
      certRenewBefore: 48 * HOUR,
      certValidity: 90 * DAY,
      tlsDns: ['kc.kc-system.svc', 'kc.kc-system.svc.cluster.local'],
    });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an unknown mode',
      { certMode: 'cert-manager' },
      /--cert-mode .*KUBE_CONVERGE_CERT_MODE.*one of files, self/,
    ],
    ['a duration without unit', { certRenewBefore: '720' }, /--cert-renew-before.*want a duration/],
    ['renewal not before expiry', { certRenewBefore: '8760h' }, /shorter than --cert-validity/],
    ['validity in part days', { certValidity: '36h' }, /whole days/],
    ['validity under a day', { certValidity: '12h' }, /at least 24h/],
    ['validity over two years', { certValidity: '1000d' }, /at most 17520h/],
    ['self without a Secret name', { ...SELF, certSecret: undefined }, /--cert-secret.*needs the name/],
    ['self with certificate files', { ...SELF, tlsCertFile: '/a', tlsKeyFile: '/b' }, /drop --tls-cert-file/],
    ['self without Service names', { ...SELF, tlsDns: undefined }, /--tls-dns.*DNS names/],
    ['a Secret name that is not an object name', { ...SELF, certSecret: 'KC_TLS' }, /DNS-1123/],
    ['a webhook name that is not an object name', { webhookConfigName: 'Kube Converge' }, /DNS-1123/],
  ])('refuses %s', (_name, flags, message) => {
    expect(() => build(flags)).toThrow(ConfigError);
    expect(() => build(flags)).toThrow(message);
  });

  it('accepts a complete self-mode configuration', () => {
    expect(build(SELF).certMode).toBe('self');
  });
});
