import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlimObject } from '../../../src/cluster/store.js';
import { buildConfig } from '../../../src/config/config.js';
import { createExtenderApp } from '../../../src/extender/app.js';
import type { EventRecorder } from '../../../src/extender/events.js';
import { silentLogger, type Logger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { nodeLabelsSource } from '../../../src/placement/index.js';
import { startServers, type RunningServers } from '../../../src/server/serve.js';
import { openFileTlsSource } from '../../../src/tls/reloading.js';
import { node, ns, pv, pvc, sc, store } from '../../support/cluster.js';
import { freePort, testTls } from '../../support/http.js';
import { StaticView } from '../../support/static-view.js';

export const DRIVER = 'pxd.portworx.com';
/** Nodes of the fixture cluster; n5 has no storage driver. */
export const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];
/** Claims in namespace `shop`: data (managed, replicas on n1 and n3), scratch (unmanaged), waiting. */
export const CLAIMS = ['data', 'scratch', 'waiting', 'ghost'];

const csiNode = (name: string, drivers: string[]): SlimObject => ({
  kind: 'CSINode',
  obj: { name, drivers },
});

/** A small cluster where every decision path is reachable: managed, unmanaged, pending and missing claims. */
export function fixtureView(): StaticView {
  const labelled = (name: string, extra: Record<string, string> = {}): SlimObject =>
    node(name, { labels: { 'kubernetes.io/hostname': name, 'kube-converge.io/rack': `r${name}`, ...extra } });
  return StaticView.over(
    store(
      ns('shop'),
      sc('px', DRIVER),
      sc('local', 'rancher.io/local-path'),
      labelled('n1', { 'pv-data': 'true' }),
      labelled('n2'),
      labelled('n3', { 'pv-data': 'true' }),
      labelled('n4'),
      labelled('n5'),
      ...['n1', 'n2', 'n3', 'n4'].map((n) => csiNode(n, [DRIVER])),
      csiNode('n5', ['ebs.csi.aws.com']),
      pvc('shop', 'data', { storageClassName: 'px', volumeName: 'pv-data', phase: 'Bound' }),
      pv('pv-data', { csiDriver: DRIVER, storageClassName: 'px' }),
      pvc('shop', 'scratch', { storageClassName: 'local' }),
      pvc('shop', 'waiting', { storageClassName: 'px' }),
    ),
  );
}

export interface InProcess {
  readonly running: RunningServers;
  readonly ca: string;
  readonly webhook: URL;
  readonly extender: URL;
  readonly view: StaticView;
  close(): Promise<void>;
}

const quietEvents: EventRecorder = { record: () => undefined };

/**
 * The real servers (startServers: webhook over HTTPS, extender over HTTP or HTTPS) over the fixture
 * cluster on loopback ports, as `serve` wires them, minus the cluster connection.
 */
export async function startInProcess(
  flags: Record<string, string> = {},
  opts: { logger?: Logger; requestTimeoutMs?: number } = {},
): Promise<InProcess> {
  const logger = opts.logger ?? silentLogger();
  const tls = await testTls();
  const dir = mkdtempSync(join(tmpdir(), 'kc-reliability-'));
  writeFileSync(join(dir, 'tls.crt'), tls.serving.cert);
  writeFileSync(join(dir, 'tls.key'), tls.serving.key);
  const config = buildConfig({
    flags: {
      bindAddress: '127.0.0.1',
      webhookPort: String(await freePort()),
      extenderPort: String(await freePort()),
      metricsPort: '0',
      tlsCertFile: join(dir, 'tls.crt'),
      tlsKeyFile: join(dir, 'tls.key'),
      shutdownGrace: '1000',
      ...flags,
    },
    env: {},
  });
  const view = fixtureView();
  const metrics = new Metrics();
  const tlsSource = await openFileTlsSource({
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    logger,
    pollIntervalMs: 0,
    watch: false,
  });
  const running = await startServers({
    config,
    view,
    tls: tlsSource,
    logger,
    metrics,
    requestTimeoutMs: opts.requestTimeoutMs,
    extenderApp: (readiness) =>
      createExtenderApp({
        view,
        provisioners: new Set([DRIVER]),
        sources: [nodeLabelsSource()],
        scale: 'linear',
        logger,
        metrics,
        events: quietEvents,
        maxBodyBytes: config.maxExtenderBytes,
        readiness,
      }),
  });
  const scheme = config.extenderTls ? 'https' : 'http';
  return {
    running,
    ca: tls.ca.cert,
    webhook: new URL(`https://127.0.0.1:${running.ports.webhook}`),
    extender: new URL(`${scheme}://127.0.0.1:${running.ports.extender ?? 0}`),
    view,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
