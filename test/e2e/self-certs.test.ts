/**
 * `self` certificate mode against a real etcd + kube-apiserver (scripts/control-plane/build.sh), under
 * the least RBAC the mode needs and nothing more: the sources use a token whose user is named like the
 * chart's ServiceAccount, bound to exactly SELF_MODE_RULES / SELF_MODE_CLUSTER_RULES below (the chart
 * may grant more; this proves what is enough). Covers: first start creates the
 * Secret and the caBundle, a restart reuses both, two replicas starting at once agree, a near-expiry
 * certificate is renewed and served without a failed request, and a CA near expiry is rotated with
 * an overlap during which the caBundle holds both CAs — again without a failed request.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type Server } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { makeCA, makeServingCert } from '../../src/tls/certs.js';
import { createHttpsServer } from '../../src/tls/server.js';
import { encodeSecretData, readCertSecret } from '../../src/tls/self/secret-data.js';
import { openSelfCertTlsSource, type SecretTlsSource } from '../../src/tls/self/index.js';
import { closeServer, listen, recordingLogger } from '../http/tls/helpers.js';

const NS = 'kc-system';
const SA = 'kube-converge';
const DNS = ['kube-converge.kc-system.svc'];
const DAY = 86_400_000;
const YEAR = 365 * DAY;
const ADMIN_TOKEN = 'admin-token-e2e';
const SA_TOKEN = 'sa-token-e2e';
// One Secret and one webhook configuration per scenario, so scenarios do not see each other's CAs.
const SCENARIOS = ['first', 'together', 'renew', 'rotate'] as const;
const secretOf = (s: (typeof SCENARIOS)[number]): string => `kc-tls-${s}`;
const webhookOf = (s: (typeof SCENARIOS)[number]): string => `kc-${s}`;

/**
 * The RBAC `self` mode needs — what the chart must grant. Namespaced (Role in the release namespace):
 * get/update on the one Secret, create on secrets (create cannot be limited by resourceNames: the
 * name is not known at authorization time). Cluster-scoped (ClusterRole): get/patch on the one
 * webhook configuration. No list/watch: the Secret is polled with GET.
 */
const SELF_MODE_RULES: V1PolicyRule[] = [
  {
    apiGroups: [''],
    resources: ['secrets'],
    resourceNames: SCENARIOS.map(secretOf),
    verbs: ['get', 'update'],
  },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
];
const SELF_MODE_CLUSTER_RULES: V1PolicyRule[] = [
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['mutatingwebhookconfigurations'],
    resourceNames: SCENARIOS.map(webhookOf),
    verbs: ['get', 'patch'],
  },
];

// ---------------------------------------------------------------- a minimal control plane

interface ControlPlane {
  readonly server: string;
  readonly dir: string;
  readonly processes: ChildProcess[];
}

function binDir(): string {
  try {
    return (
      execFileSync('scripts/control-plane/path.sh', ['--check'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() ?? ''
    );
  } catch {
    throw new Error('control-plane binaries are not built: run scripts/control-plane/build.sh');
  }
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function start(bin: string, name: string, args: string[]): ChildProcess {
  const child = spawn(join(bin, name), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${name} exited with ${code}:\n${tail}`);
  });
  return child;
}

/** GET /readyz until 200; the API server's own certificate is self-made under --cert-dir, not checked. */
function apiReady(server: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `${server}/readyz`,
      { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function startControlPlane(): Promise<ControlPlane> {
  const bin = binDir();
  const dir = await mkdtemp(join(tmpdir(), 'kc-self-certs-'));
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  // A user named like the ServiceAccount is matched by a ServiceAccount subject in a RoleBinding.
  await writeFile(
    join(dir, 'tokens.csv'),
    `${ADMIN_TOKEN},admin,admin,system:masters\n` +
      `${SA_TOKEN},system:serviceaccount:${NS}:${SA},sa-uid,"system:serviceaccounts,system:serviceaccounts:${NS}"\n`,
  );
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const peerUrl = `http://127.0.0.1:${etcdPeer}`;
  const etcd = start(bin, 'etcd', [
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    '--unsafe-no-fsync',
  ]);
  const apiserver = start(bin, 'kube-apiserver', [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'pki')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${join(dir, 'sa.key')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
  ]);
  const server = `https://127.0.0.1:${apiPort}`;
  const plane = { server, dir, processes: [apiserver, etcd] };
  try {
    await until('kube-apiserver is ready', () => apiReady(server), 90_000);
  } catch (err) {
    await stopControlPlane(plane);
    throw err;
  }
  return plane;
}

async function stopControlPlane(plane: ControlPlane): Promise<void> {
  for (const child of plane.processes) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(plane.dir, { recursive: true, force: true });
}

function kubeConfigFor(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'e2e', server, skipTLSVerify: true }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'e2e', cluster: 'e2e', user: 'user', namespace: NS }],
    currentContext: 'e2e',
  });
  return kc;
}

// ---------------------------------------------------------------- fixtures

let plane: ControlPlane;
let admin: KubeConfig;
let asServiceAccount: KubeConfig;
let core: CoreV1Api;
let admission: AdmissionregistrationV1Api;
const opened: SecretTlsSource[] = [];
const flows: Traffic[] = [];
// The e2e project's testTimeout is not applied per project by jest 30: each test says its own.
const SCENARIO_MS = 60_000;
const servers: Server[] = [];

async function setUpCluster(): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: NS } } });
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const subject = { kind: 'ServiceAccount', name: SA, namespace: NS };
  await rbac.createNamespacedRole({
    namespace: NS,
    body: { metadata: { name: 'kc-self' }, rules: SELF_MODE_RULES },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: NS,
    body: {
      metadata: { name: 'kc-self' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kc-self' },
      subjects: [subject],
    },
  });
  await rbac.createClusterRole({ body: { metadata: { name: 'kc-self' }, rules: SELF_MODE_CLUSTER_RULES } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'kc-self' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kc-self' },
      subjects: [subject],
    },
  });
  for (const scenario of SCENARIOS) {
    // Shaped like the chart's: two webhooks, no caBundle yet (the program writes it).
    const webhook = (name: string) => ({
      name,
      clientConfig: { url: `https://127.0.0.1:9/${name}` },
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      failurePolicy: 'Ignore',
    });
    await admission.createMutatingWebhookConfiguration({
      body: {
        metadata: { name: webhookOf(scenario) },
        webhooks: [webhook('pods.kube-converge.io'), webhook('workloads.kube-converge.io')],
      },
    });
  }
}

beforeAll(async () => {
  plane = await startControlPlane();
  admin = kubeConfigFor(plane.server, ADMIN_TOKEN);
  asServiceAccount = kubeConfigFor(plane.server, SA_TOKEN);
  core = admin.makeApiClient(CoreV1Api);
  admission = admin.makeApiClient(AdmissionregistrationV1Api);
  await setUpCluster();
}, 120_000);

afterAll(async () => {
  for (const flow of flows) await flow.stop();
  for (const source of opened) source.close();
  for (const server of servers) await closeServer(server);
  if (plane) await stopControlPlane(plane);
}, 60_000);

interface OpenOptions {
  readonly renewBeforeMs?: number;
  readonly caOverlapMs?: number;
}

async function openSource(scenario: (typeof SCENARIOS)[number], options: OpenOptions = {}) {
  const logger = recordingLogger();
  const source = await openSelfCertTlsSource({
    kubeConfig: asServiceAccount,
    secretName: secretOf(scenario),
    webhookConfigName: webhookOf(scenario),
    dnsNames: DNS,
    validityMs: YEAR,
    renewBeforeMs: options.renewBeforeMs ?? 30 * DAY,
    logger,
    intervalMs: 300,
    ...(options.caOverlapMs !== undefined ? { caOverlapMs: options.caOverlapMs } : {}),
  });
  opened.push(source);
  return { source, logger };
}

async function readSecret(scenario: (typeof SCENARIOS)[number]) {
  const secret = await core.readNamespacedSecret({ namespace: NS, name: secretOf(scenario) });
  return { secret, state: readCertSecret(secret.data) };
}

/** Each webhook's caBundle, decoded to PEM. */
async function caBundles(scenario: (typeof SCENARIOS)[number]): Promise<string[]> {
  const config = await admission.readMutatingWebhookConfiguration({ name: webhookOf(scenario) });
  return (config.webhooks ?? []).map((w) =>
    Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8'),
  );
}

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

// ---------------------------------------------------------------- a client that trusts the caBundle

interface Traffic {
  ok: number;
  failures: string[];
  /** Issuer and serial of each certificate seen, in order of first sight. */
  seen: string[];
  stop(): Promise<void>;
}

/**
 * Sends requests back to back, each on a new TLS connection (no keep-alive, no session reuse) that
 * trusts exactly the webhook configuration's current caBundle — what kube-apiserver does.
 */
function trafficTo(port: number, scenario: (typeof SCENARIOS)[number]): Traffic {
  let running = true;
  let bundle = '';
  const traffic: Traffic = { ok: 0, failures: [], seen: [], stop: () => Promise.resolve() };
  const refreshBundle = async (): Promise<void> => {
    while (running) {
      bundle = (await caBundles(scenario))[0] ?? '';
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          servername: 'localhost',
          ca: bundle,
          agent: false,
          timeout: 5000,
        },
        (res) => {
          const peer = (res.socket as TLSSocket).getPeerCertificate();
          const id = `${String(peer.issuer.CN)} #${peer.serialNumber}`;
          if (!traffic.seen.includes(id)) traffic.seen.push(id);
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) traffic.ok += 1;
            else traffic.failures.push(`status ${res.statusCode}`);
            resolve();
          });
        },
      );
      req.on('error', (err) => {
        traffic.failures.push(err.message);
        resolve();
      });
      req.end();
    });
  const loop = async (): Promise<void> => {
    while (running) {
      if (bundle) await once();
      else await new Promise((r) => setTimeout(r, 50));
    }
  };
  const done = Promise.all([refreshBundle(), loop()]);
  traffic.stop = async () => {
    running = false;
    await done;
  };
  flows.push(traffic);
  return traffic;
}

async function serveWith(source: SecretTlsSource): Promise<number> {
  const server = createHttpsServer((_req, res) => res.end('ok'), source, { logger: recordingLogger() });
  servers.push(server);
  return listen(server);
}

// ---------------------------------------------------------------- scenarios

describe('self certificate mode against kube-apiserver, with the chart RBAC only', () => {
  it(
    'the ServiceAccount can neither list Secrets nor read others (the RBAC is really in force)',
    async () => {
      const saCore = asServiceAccount.makeApiClient(CoreV1Api);
      await expect(saCore.listNamespacedSecret({ namespace: NS })).rejects.toMatchObject({ code: 403 });
      await expect(
        saCore.readNamespacedSecret({ namespace: NS, name: 'someone-else' }),
      ).rejects.toMatchObject({
        code: 403,
      });
    },
    SCENARIO_MS,
  );

  it(
    'first start creates the Secret and the caBundle; a restart reuses both',
    async () => {
      const { source, logger } = await openSource('first');
      expect(source.loaded).toBe(true);
      const { secret, state } = await readSecret('first');
      expect(secret.type).toBe('kubernetes.io/tls');
      expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
      expect(state.signerProblem).toBeUndefined();
      expect(state.serving?.checked.info.fingerprint).toBe(source.info()?.fingerprint);
      expect(source.info()?.dnsNames).toEqual(['localhost', ...DNS]);
      const caPem = state.signer?.ca.pem ?? '';
      expect(await caBundles('first')).toEqual([caPem, caPem]);
      expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);

      // A served request trusting the caBundle works.
      const port = await serveWith(source);
      const traffic = trafficTo(port, 'first');
      await until('a request went through', () => traffic.ok > 0);
      await traffic.stop();
      expect(traffic.failures).toEqual([]);

      // Restart: the same CA and pair, nothing written.
      source.close();
      const again = await openSource('first');
      expect(again.source.info()?.fingerprint).toBe(state.serving?.checked.info.fingerprint);
      const reread = await readSecret('first');
      expect(reread.secret.metadata?.resourceVersion).toBe(secret.metadata?.resourceVersion);
      expect(await caBundles('first')).toEqual([caPem, caPem]);
      expect(again.logger.entries.map((e) => e.msg)).not.toContain('created the certificate Secret');
    },
    SCENARIO_MS,
  );

  it(
    'two replicas starting at once agree on one Secret',
    async () => {
      const [a, b] = await Promise.all([openSource('together'), openSource('together')]);
      expect(a.source.loaded && b.source.loaded).toBe(true);
      expect(a.source.info()?.fingerprint).toBe(b.source.info()?.fingerprint);
      const { state } = await readSecret('together');
      expect(state.serving?.checked.info.fingerprint).toBe(a.source.info()?.fingerprint);
      const messages = [...a.logger.entries, ...b.logger.entries].map((e) => e.msg);
      expect(messages.filter((m) => m === 'created the certificate Secret')).toHaveLength(1);
      const caPem = state.signer?.ca.pem ?? '';
      expect(await caBundles('together')).toEqual([caPem, caPem]);
    },
    SCENARIO_MS,
  );

  it(
    'a near-expiry certificate is renewed and served by every replica without a failed request',
    async () => {
      // Replica A serves a fresh pair; then the pair in the Secret is swapped for one of the same CA that
      // has 20 days left (time passing, compressed). A takes it, renews it, and serves the renewal; B,
      // another replica, follows.
      const first = await openSource('renew');
      const other = await openSource('renew');
      const port = await serveWith(first.source);
      const traffic = trafficTo(port, 'renew');
      await until('traffic flows', () => traffic.ok > 5);

      const { secret, state } = await readSecret('renew');
      const signer = state.signer;
      if (!signer) throw new Error('no signer in the Secret');
      const aged = await makeServingCert({
        ca: { cert: signer.ca.pem, key: signer.key },
        dnsNames: ['localhost', ...DNS],
        ipAddresses: ['127.0.0.1', '::1'],
        validDays: 365,
        now: new Date(Date.now() - 345 * DAY),
      });
      await core.replaceNamespacedSecret({
        namespace: NS,
        name: secretOf('renew'),
        body: {
          ...secret,
          data: encodeSecretData({
            caCert: signer.ca.pem,
            caKey: signer.key,
            tlsCert: aged.cert,
            tlsKey: aged.key,
          }),
        },
      });

      await until('the Secret holds a renewed pair', async () => {
        const now = (await readSecret('renew')).state.serving?.checked.info;
        return now !== undefined && now.notAfter.getTime() > Date.now() + 300 * DAY;
      });
      const renewed = (await readSecret('renew')).state.serving?.checked.info;
      await until('both replicas serve the renewal', () =>
        [first, other].every((r) => r.source.info()?.fingerprint === renewed?.fingerprint),
      );
      await until('the client was served the renewal', () =>
        traffic.seen.some((id) => id.endsWith(`#${renewed?.serialNumber ?? '-'}`)),
      );
      await traffic.stop();

      expect(traffic.failures).toEqual([]);
      expect(traffic.ok).toBeGreaterThan(10);
      expect(new Set(traffic.seen).size).toBeGreaterThanOrEqual(2);
      expect(fingerprint((await readSecret('renew')).state.signer?.ca.pem ?? '')).toBe(
        fingerprint(signer.ca.pem),
      );
      expect(first.logger.entries.filter((e) => e.level === 'error')).toEqual([]);
    },
    SCENARIO_MS,
  );

  it(
    'a CA near expiry is rotated: both CAs in the caBundle first, then the new pair',
    async () => {
      // A CA with 100 days left (less than one serving lifetime) and a pair it signed.
      const now = Date.now();
      const oldCa = await makeCA({
        commonName: 'old e2e CA',
        validDays: 5 * 365,
        now: new Date(now - (5 * 365 - 100) * DAY),
      });
      const pair = await makeServingCert({
        ca: oldCa,
        dnsNames: ['localhost', ...DNS],
        ipAddresses: ['127.0.0.1', '::1'],
        validDays: 365,
        now: new Date(now),
      });
      await core.createNamespacedSecret({
        namespace: NS,
        body: {
          metadata: { name: secretOf('rotate') },
          type: 'kubernetes.io/tls',
          data: encodeSecretData({
            caCert: oldCa.cert,
            caKey: oldCa.key,
            tlsCert: pair.cert,
            tlsKey: pair.key,
          }),
        },
      });
      await admission.patchMutatingWebhookConfiguration({
        name: webhookOf('rotate'),
        body: [0, 1].map((i) => ({
          op: 'add',
          path: `/webhooks/${i}/clientConfig/caBundle`,
          value: Buffer.from(oldCa.cert).toString('base64'),
        })),
      });

      // Serve the old pair first so requests flow before the rotation starts.
      const overlapMs = 4000;
      const replica = await openSource('rotate', { caOverlapMs: overlapMs });
      const bothTrustedAt = Date.now();
      const port = await serveWith(replica.source);
      const traffic = trafficTo(port, 'rotate');

      const afterRotation = (await readSecret('rotate')).state;
      expect(afterRotation.trusted).toHaveLength(2);
      const newCa = afterRotation.signer?.ca;
      expect(newCa?.subject).not.toContain('old e2e CA');
      expect(afterRotation.trusted[1]?.fingerprint).toBe(fingerprint(oldCa.cert));
      // The pair is still the old CA's while the caBundle already holds both.
      expect(replica.source.info()?.fingerprint).toBe(fingerprint(pair.cert));
      const bundles = await caBundles('rotate');
      for (const b of bundles) expect(b).toBe((newCa?.pem ?? '') + oldCa.cert.replace(/\r\n/g, '\n'));

      await until(
        'the new CA signs the served pair',
        () => replica.source.info()?.issuer === new X509Certificate(newCa?.pem ?? '').subject,
        30_000,
      );
      const switchedAfter = Date.now() - bothTrustedAt;
      await until('the client saw the new pair', () => traffic.seen.length >= 2);
      await traffic.stop();

      expect(switchedAfter).toBeGreaterThanOrEqual(overlapMs - 1000);
      expect(traffic.failures).toEqual([]);
      expect(traffic.ok).toBeGreaterThan(10);
      expect(traffic.seen).toEqual([
        expect.stringMatching(/^old e2e CA #/),
        expect.stringMatching(/^kube-converge webhook CA #/),
      ]);
      // The old CA stays trusted until it expires: pairs it signed may still be served elsewhere.
      expect((await caBundles('rotate')).every((b) => b.includes(oldCa.cert.trim()))).toBe(true);
    },
    SCENARIO_MS,
  );
});
