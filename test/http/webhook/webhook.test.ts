import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { buildConfig } from '../../../src/config/config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { startServers, type RunningServers } from '../../../src/server/serve.js';
import { openFileTlsSource } from '../../../src/tls/reloading.js';
import { makeServingCert } from '../../../src/tls/certs.js';
import { MemoryStore } from '../../../src/cluster/store.js';
import { node, ns, pv, pvc, sc, store } from '../../support/cluster.js';
import { StaticView } from '../../support/static-view.js';
import { freePort, postJson, send, testTls } from '../../support/http.js';

const review = (
  apiVersion: string,
  uid: string,
  object: unknown,
  kind = { group: '', version: 'v1', kind: 'Pod' },
) => ({
  apiVersion,
  kind: 'AdmissionReview',
  request: { uid, kind, operation: 'CREATE', namespace: 'shop', object },
});
const pod = (claimName: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'p-', namespace: 'shop' },
  spec: {
    containers: [{ name: 'c', image: 'busybox' }],
    volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }],
  },
});
const decodePatch = (response: { patch?: string }) =>
  JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8'));

describe('the webhook over HTTPS, in process', () => {
  let dir: string;
  let running: RunningServers;
  let view: StaticView;
  let ca: string;
  let base: string;
  let metricsUrl: string;

  beforeAll(async () => {
    const tls = await testTls();
    ca = tls.ca.cert;
    dir = mkdtempSync(join(tmpdir(), 'kc-webhook-'));
    writeFileSync(join(dir, 'tls.crt'), tls.serving.cert);
    writeFileSync(join(dir, 'tls.key'), tls.serving.key);
    const behindCache = MemoryStore.of([pvc('shop', 'just-created', { storageClassName: 'px' })]);
    view = StaticView.over(
      store(
        sc('px', 'pxd.portworx.com'),
        sc('local', 'rancher.io/local-path'),
        ns('shop'),
        node('n1'),
        pvc('shop', 'data', { storageClassName: 'px', volumeName: 'pv-data', phase: 'Bound' }),
        pv('pv-data', { csiDriver: 'pxd.portworx.com' }),
        pvc('shop', 'scratch', { storageClassName: 'local' }),
      ),
      behindCache,
    );
    const config = buildConfig({
      flags: {
        bindAddress: '127.0.0.1',
        webhookPort: String(await freePort()),
        extenderPort: '0',
        metricsPort: String(await freePort()),
        maxReviewBytes: '64Ki',
        tlsCertFile: join(dir, 'tls.crt'),
        tlsKeyFile: join(dir, 'tls.key'),
        shutdownGrace: '1000',
      },
      env: {},
    });
    const logger = silentLogger();
    const tlsSource = await openFileTlsSource({
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
      logger,
      debounceMs: 20,
      pollIntervalMs: 200,
    });
    running = await startServers({ config, view, tls: tlsSource, logger, metrics: new Metrics() });
    base = `https://127.0.0.1:${running.ports.webhook}`;
    metricsUrl = `http://127.0.0.1:${running.ports.metrics}/metrics`;
  });

  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a v1 Pod review with a JSON patch, echoing the UID and the decision', async () => {
    const res = await postJson(`${base}/mutate`, review('admission.k8s.io/v1', 'uid-1', pod('data')), ca);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe('uid-1');
    expect(body.response.allowed).toBe(true);
    expect(body.response.patchType).toBe('JSONPatch');
    expect(decodePatch(body.response)).toEqual([
      { op: 'add', path: '/spec/schedulerName', value: 'kube-converge' },
    ]);
    expect(body.response.auditAnnotations.decision).toMatch(/^patched: schedulerName set to kube-converge/);
  });

  it('answers a v1beta1 Deployment review in v1beta1', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { template: { spec: pod('data').spec } },
    };
    const res = await postJson(
      `${base}/mutate`,
      review('admission.k8s.io/v1beta1', 'uid-2', deployment, {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
      }),
      ca,
    );
    const body = res.json();
    expect(body.apiVersion).toBe('admission.k8s.io/v1beta1');
    expect(body.response.uid).toBe('uid-2');
    expect(decodePatch(body.response)[0].path).toBe('/spec/template/spec/schedulerName');
  });

  it('allows unmanaged storage with no patch', async () => {
    const body = (
      await postJson(`${base}/mutate`, review('admission.k8s.io/v1', 'uid-3', pod('scratch')), ca)
    ).json();
    expect(body.response).toMatchObject({ uid: 'uid-3', allowed: true });
    expect(body.response.patch).toBeUndefined();
    expect(body.response.patchType).toBeUndefined();
    expect(body.response.auditAnnotations.decision).toMatch(/^no-managed-volume/);
  });

  it('a claim created a moment ago is found by one live read', async () => {
    const before = view.liveReads;
    const body = (
      await postJson(`${base}/mutate`, review('admission.k8s.io/v1', 'uid-4', pod('just-created')), ca)
    ).json();
    expect(body.response.patchType).toBe('JSONPatch');
    expect(view.liveReads - before).toBeGreaterThanOrEqual(1);
    const metrics = (await send(metricsUrl, { method: 'GET' })).text;
    expect(metrics).toMatch(/kube_converge_cache_live_reads_total [1-9]/);
  });

  it('a claim that does not exist: admitted unchanged, with a warning and a counted metric', async () => {
    const body = (
      await postJson(`${base}/mutate`, review('admission.k8s.io/v1', 'uid-5', pod('ghost')), ca)
    ).json();
    expect(body.response.allowed).toBe(true);
    expect(body.response.patch).toBeUndefined();
    expect(body.response.warnings[0]).toContain('PVC shop/ghost not found');
    const metrics = (await send(metricsUrl, { method: 'GET' })).text;
    expect(metrics).toMatch(/kube_converge_unknown_volumes_total 1/);
    expect(metrics).toMatch(/kube_converge_admission_reviews_total\{kind="Pod",outcome="unknown-volume"\} 1/);
  });

  it.each([
    [
      'not JSON',
      { body: '{"apiVersion":', headers: { 'content-type': 'application/json' } },
      400,
      /not valid JSON/,
    ],
    [
      'a malformed review',
      {
        body: JSON.stringify({
          kind: 'AdmissionReview',
          apiVersion: 'admission.k8s.io/v1',
          request: { uid: 'x' },
        }),
        headers: { 'content-type': 'application/json' },
      },
      400,
      /request.kind/,
    ],
    [
      'a body over the limit',
      {
        body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }),
        headers: { 'content-type': 'application/json' },
      },
      413,
      /over the limit of 65536 bytes/,
    ],
    [
      'the wrong content type',
      { body: '{}', headers: { 'content-type': 'text/plain' } },
      415,
      /content type "text\/plain"/,
    ],
    ['the wrong method', { method: 'GET' }, 405, /method GET is not allowed on \/mutate/],
  ])('refuses %s with a JSON error', async (_what, opts, status, message) => {
    const res = await send(`${base}/mutate`, { ...opts, ca });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json().error.message).toMatch(message);
  });

  it('an unknown path is a 404 with a JSON error', async () => {
    const res = await send(`${base}/validate`, {
      method: 'POST',
      ca,
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(404);
    expect(res.json().error.code).toBe(404);
  });

  it('still answers correctly after bad input', async () => {
    await send(`${base}/mutate`, {
      body: '\u0000\u0001',
      headers: { 'content-type': 'application/json' },
      ca,
    });
    const body = (
      await postJson(`${base}/mutate`, review('admission.k8s.io/v1', 'uid-6', pod('data')), ca)
    ).json();
    expect(body.response.uid).toBe('uid-6');
    expect(body.response.patchType).toBe('JSONPatch');
  });

  it('is ready only when the cache has synced', async () => {
    expect((await send(`${base}/healthz`, { method: 'GET', ca })).status).toBe(200);
    expect((await send(`${base}/readyz`, { method: 'GET', ca })).status).toBe(200);
    view.synced = false;
    try {
      const res = await send(`${base}/readyz`, { method: 'GET', ca });
      expect(res.status).toBe(503);
      expect(res.json().failing.cache).toMatch(/not synced/);
    } finally {
      view.synced = true;
    }
  });

  it('serves a certificate swapped on disk without a restart', async () => {
    const tls = await testTls();
    const fresh = await makeServingCert({
      ca: tls.ca,
      dnsNames: ['localhost', 'swapped.example'],
      ipAddresses: ['127.0.0.1'],
      validDays: 1,
    });
    const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port: running.ports.webhook, ca, servername: 'localhost' },
          () => {
            const cert = socket.getPeerX509Certificate();
            socket.end();
            resolve(cert?.serialNumber ?? '');
          },
        );
        socket.on('error', reject);
      });
    expect(await served()).toBe(serialOf(readFileSync(join(dir, 'tls.crt'), 'utf8')));
    writeFileSync(join(dir, 'tls.key'), fresh.key);
    writeFileSync(join(dir, 'tls.crt'), fresh.cert);
    const deadline = Date.now() + 5000;
    while ((await served()) !== serialOf(fresh.cert) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await served()).toBe(serialOf(fresh.cert));
    // and it still admits
    const body = (
      await postJson(`${base}/mutate`, review('admission.k8s.io/v1', 'uid-7', pod('data')), ca)
    ).json();
    expect(body.response.uid).toBe('uid-7');
  });
});
