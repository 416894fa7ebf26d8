import { buildConfig, ConfigError, parseConfigFile } from '../../../src/config/config.js';
import { parseCommandArgs, helpText } from '../../../src/cli/args.js';
import { OPTIONS, envOf, flagOf } from '../../../src/config/options.js';

const build = (flags: Record<string, unknown> = {}, env: Record<string, string> = {}, file?: unknown) =>
  buildConfig({ flags, env, file, filePath: 'kc.yaml' });

describe('configuration: defaults < file < environment < flags', () => {
  it('has the contract defaults', () => {
    const c = build();
    expect(c.schedulerName).toBe('kube-converge');
    expect(c.provisioners).toEqual(['pxd.portworx.com', 'kubernetes.io/portworx-volume']);
    expect([c.webhookPort, c.extenderPort, c.metricsPort]).toEqual([8443, 8099, 9090]);
    expect(c.placement).toEqual(['node-labels', 'pv-node-affinity']);
    expect(c.scoreScale).toBe('linear');
    expect(c.overrideSchedulers).toEqual([]);
  });

  it('flag beats environment beats file', () => {
    const file = { schedulerName: 'from-file', webhookPort: 1001, scoreScale: 'raw' };
    const env = { KUBE_CONVERGE_SCHEDULER_NAME: 'from-env', KUBE_CONVERGE_WEBHOOK_PORT: '1002' };
    const c = build({ schedulerName: 'from-flag' }, env, file);
    expect(c.schedulerName).toBe('from-flag');
    expect(c.webhookPort).toBe(1002);
    expect(c.scoreScale).toBe('raw');
  });

  it('lists come repeated, comma-separated or as arrays', () => {
    expect(build({ provisioners: ['a.csi', 'b.csi'] }).provisioners).toEqual(['a.csi', 'b.csi']);
    expect(build({}, { KUBE_CONVERGE_PROVISIONERS: 'a.csi, b.csi' }).provisioners).toEqual([
      'a.csi',
      'b.csi',
    ]);
    expect(build({}, {}, { provisioners: ['linstor.csi.linbit.com'] }).provisioners).toEqual([
      'linstor.csi.linbit.com',
    ]);
    expect(
      build({ placement: ['portworx,node-labels'], portworxEndpoint: 'http://px:9021' }).placement,
    ).toEqual(['portworx', 'node-labels']);
  });

  it('byte sizes take binary suffixes', () => {
    expect(build({ maxReviewBytes: '2Mi' }).maxReviewBytes).toBe(2 * 1024 * 1024);
    expect(build({}, { KUBE_CONVERGE_MAX_REVIEW_BYTES: '4096' }).maxReviewBytes).toBe(4096);
  });

  it.each([
    [
      { webhookPort: 'eighty' },
      {},
      undefined,
      /--webhook-port .*KUBE_CONVERGE_WEBHOOK_PORT.*"webhookPort".*whole number/,
    ],
    [{ webhookPort: '70000' }, {}, undefined, /at most 65535/],
    [{}, { KUBE_CONVERGE_SCORE_SCALE: 'log' }, undefined, /KUBE_CONVERGE_SCORE_SCALE.*one of linear, raw/],
    [{ placement: ['gps'] }, {}, undefined, /"gps" is not one of/],
    [{}, {}, { schedulerNmae: 'x' }, /unknown key "schedulerNmae"/],
    [{ schedulerName: 'Not_Valid' }, {}, undefined, /DNS-1123/],
    [{ tlsCertFile: '/a.crt' }, {}, undefined, /go together/],
    [{ extenderPort: '8443' }, {}, undefined, /ports must differ/],
    [{ extenderTls: 'maybe' }, {}, undefined, /want true or false/],
    [{ provisioners: [''] }, {}, undefined, /at least one provisioner/],
  ])('refuses %j %j %j with a message naming it', (flags, env, file, message) => {
    expect(() => build(flags, env as Record<string, string>, file)).toThrow(ConfigError);
    expect(() => build(flags, env as Record<string, string>, file)).toThrow(message);
  });

  it('reads YAML and JSON files and refuses a non-mapping', () => {
    expect(parseConfigFile('schedulerName: stork\n', 'a.yaml')).toEqual({ schedulerName: 'stork' });
    expect(parseConfigFile('{"webhookPort": 9443}', 'a.json')).toEqual({ webhookPort: 9443 });
    expect(parseConfigFile('', 'empty.yaml')).toEqual({});
    expect(() => parseConfigFile('- a\n- b\n', 'list.yaml')).toThrow(/must hold a mapping/);
    expect(() => parseConfigFile('a: [', 'bad.yaml')).toThrow(/bad.yaml is not valid YAML/);
  });
});

describe('command-line flags', () => {
  it('maps flags to config keys, repeatable lists included', () => {
    const a = parseCommandArgs(
      [
        '--scheduler-name',
        'stork',
        '--provisioner',
        'a',
        '--provisioner',
        'b',
        '--extender-tls',
        '-f',
        'x.yaml',
      ],
      [{ name: 'file', short: 'f', type: 'string', help: '' }],
    );
    expect(a.settings).toEqual({ schedulerName: 'stork', provisioners: ['a', 'b'], extenderTls: true });
    expect(a.own.file).toBe('x.yaml');
  });

  it('an unknown flag is an error naming it', () => {
    expect(() => parseCommandArgs(['--schedular-name', 'x'], [])).toThrow(/schedular-name/);
  });

  it('--help names every setting by flag, environment variable and file key', () => {
    const text = helpText('kube-converge serve', 'x', [], ['all', 'serve']);
    for (const spec of OPTIONS) {
      expect(text).toContain(`--${flagOf(spec)}`);
      expect(text).toContain(envOf(spec));
      expect(text).toContain(`| ${spec.key}`);
    }
  });
});
