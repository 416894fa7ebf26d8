/**
 * /readyz's `cache` check on an API-backed view: the configured `--cache-stale-after` is the
 * threshold handed to the view, and the message names the stale kinds and the threshold.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheStaleness, openClusterView } from '../../../src/cluster/open.js';
import { buildConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';

/** A view whose kinds went quiet `ageMs` ago (fixed ages per kind). */
function viewWithAges(ages: Record<string, number>) {
  const asked: number[] = [];
  return {
    asked,
    staleKinds(maxDisconnectedMs: number): string[] {
      asked.push(maxDisconnectedMs);
      return Object.entries(ages)
        .filter(([, age]) => age > maxDisconnectedMs)
        .map(([kind]) => kind);
    },
  };
}

describe('cacheStaleness', () => {
  const ages = { Node: 15_000, PersistentVolumeClaim: 15_000, StorageClass: 5_000 };

  it.each([
    [10_000, 'cache of Node, PersistentVolumeClaim is stale (watch down > 10s)'],
    [120_000, undefined],
    [4_000, 'cache of Node, PersistentVolumeClaim, StorageClass is stale (watch down > 4s)'],
  ])('after %i ms: %s', (threshold, message) => {
    const view = viewWithAges(ages);
    expect(cacheStaleness(view, threshold)).toBe(message);
    expect(view.asked).toEqual([threshold]);
  });
});

describe('openClusterView with a kubeconfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kc-stale-'));
    // Never contacted: the view is not started.
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [{}, '120s'],
    [{ cacheStaleAfter: '10s' }, '10s'],
  ])('reports the configured threshold (%j)', (flags, shown) => {
    const config = buildConfig({ flags: { kubeconfig: join(dir, 'kubeconfig'), ...flags }, env: {} });
    const opened = openClusterView(config, createLogger('silent'), new Metrics(), { watch: false });
    // Never synced: every kind is stale whatever the threshold; the message carries the setting.
    expect(opened.staleness()).toBe(
      `cache of Node, Namespace, PersistentVolumeClaim, PersistentVolume, StorageClass, CSINode is stale (watch down > ${shown})`,
    );
  });
});
