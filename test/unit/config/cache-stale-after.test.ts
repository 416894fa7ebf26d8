/**
 * `--cache-stale-after`: how long the informer cache may be cut off from the API server before /readyz
 * says so. A duration like the certificate lifetimes; default two minutes.
 */
import { buildConfig } from '../../../src/config/config.js';
import { parseCommandArgs } from '../../../src/cli/args.js';

const build = (flags: Record<string, unknown> = {}, env: Record<string, string> = {}, file?: unknown) =>
  buildConfig({ flags, env, file, filePath: 'kc.yaml' });

describe('cacheStaleAfter', () => {
  it('defaults to two minutes', () => {
    expect(build().cacheStaleAfter).toBe(120_000);
  });

  it.each([
    ['a flag', { cacheStaleAfter: '10s' }, {}, undefined, 10_000],
    ['the environment', {}, { KUBE_CONVERGE_CACHE_STALE_AFTER: '5m' }, undefined, 300_000],
    ['the config file', {}, {}, { cacheStaleAfter: '1m30s' }, 90_000],
    [
      'a flag over the environment',
      { cacheStaleAfter: '45s' },
      { KUBE_CONVERGE_CACHE_STALE_AFTER: '5m' },
      undefined,
      45_000,
    ],
  ])('is read from %s', (_from, flags, env, file, ms) => {
    expect(build(flags, env, file).cacheStaleAfter).toBe(ms);
  });

  it('is spelled --cache-stale-after on the command line', () => {
    const parsed = parseCommandArgs(['--cache-stale-after', '10s'], []);
    expect(parsed.settings).toEqual({ cacheStaleAfter: '10s' });
    expect(build(parsed.settings).cacheStaleAfter).toBe(10_000);
  });

  it.each([
    [
      'a bare number',
      '120',
      /--cache-stale-after .*KUBE_CONVERGE_CACHE_STALE_AFTER.*"cacheStaleAfter".*duration/,
    ],
    ['under a second', '500ms', /at least 1s/],
    ['over a day', '25h', /at most 24h/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => build({ cacheStaleAfter: value })).toThrow(message);
  });
});
