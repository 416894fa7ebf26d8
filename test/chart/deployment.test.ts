/**
 * The kube-converge Deployment, its Service and PodDisruptionBudget: availability, hardening, and
 * settings the program actually reads (the rendered environment goes through the program's own
 * buildConfig, with the downward API resolved as the kubelet would).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildConfig, type Config } from '../../src/config/config.js';
import { OPTIONS, envOf } from '../../src/config/options.js';
import { DEFAULT_PORT } from '../../src/contract/keys.js';
import { makeCA } from '../../src/tls/certs.js';
import { CHART_DIR, findObject, helmPath, renderChart, type ChartOptions, type K8sObject } from './render.js';
import { envEntry, onlyContainer, plainEnv, selects, serverDeployment } from './select.js';

const NAMESPACE = 'storage';
let pem = '';
beforeAll(async () => {
  helmPath();
  pem = (await makeCA({ commonName: 'chart-test-ca', validDays: 1 })).cert;
});

const MODES: Array<[string, () => Record<string, unknown>]> = [
  ['self', () => ({})],
  ['cert-manager', () => ({ certificates: { mode: 'cert-manager' } })],
  [
    'provided',
    () => ({ certificates: { mode: 'provided', provided: { secretName: 'my-tls', caBundle: pem } } }),
  ],
];

const render = (values: Record<string, unknown> = {}, extra: Omit<ChartOptions, 'values'> = {}) =>
  renderChart({ release: 'kc', namespace: NAMESPACE, values, ...extra });

/** The container's environment as the process sees it (downward API fields resolved). */
function processEnv(deployment: K8sObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (onlyContainer(deployment).env ?? []) as any[]) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = NAMESPACE;
    else throw new Error(`unexpected env source for ${e.name}: ${JSON.stringify(e.valueFrom)}`);
  }
  return env;
}

function programConfig(deployment: K8sObject): Config {
  return buildConfig({ flags: {}, env: processEnv(deployment) });
}

describe('settings', () => {
  it.each(MODES)(
    '%s: the environment is a valid configuration of `kube-converge serve`',
    async (_mode, values) => {
      const deployment = serverDeployment(await render(values()));
      expect(onlyContainer(deployment).args).toEqual(['serve']);
      const config = programConfig(deployment);
      expect(config.schedulerName).toBe('kube-converge');
      expect([config.webhookPort, config.extenderPort, config.metricsPort]).toEqual([
        DEFAULT_PORT.webhook,
        DEFAULT_PORT.extender,
        DEFAULT_PORT.metrics,
      ]);
    },
  );

  it.each(MODES)(
    '%s: every KUBE_CONVERGE_* variable is a setting the program knows',
    async (_mode, values) => {
      const known = new Set(OPTIONS.map((o) => envOf(o)));
      const objects = await render({
        ...values(),
        config: { placement: ['portworx'], portworxEndpoint: 'https://px:9021' },
        portworx: {
          tokenSecret: { name: 'px-user-token' },
          tlsSecret: { name: 'px-tls', clientCertificate: true },
        },
      });
      const names = Object.keys(processEnv(serverDeployment(objects)));
      expect(names.length).toBeGreaterThan(10);
      expect(names.filter((n) => !known.has(n))).toEqual([]);
    },
  );

  it('defaults to the program defaults for every setting under `config` (one source of truth)', async () => {
    const chartValues = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { config: object };
    const keys = Object.keys(chartValues.config);
    for (const key of keys) expect(OPTIONS.map((o) => o.key as string)).toContain(key);
    const fromChart = programConfig(serverDeployment(await render())) as unknown as Record<string, unknown>;
    const programDefaults = buildConfig({ flags: {}, env: {} }) as unknown as Record<string, unknown>;
    for (const key of [...keys, 'certValidity', 'certRenewBefore']) {
      expect([key, fromChart[key]]).toEqual([key, programDefaults[key]]);
    }
  });

  it('passes the values through', async () => {
    const deployment = serverDeployment(
      await render({
        schedulerName: 'converge-b',
        ports: { webhook: 9443, extender: 9099, metrics: 9091 },
        config: {
          provisioners: ['linstor.csi.linbit.com', 'pxd.portworx.com'],
          overrideSchedulers: ['stork'],
          placement: ['portworx', 'node-labels'],
          portworxEndpoint: 'http://portworx-api.portworx:9021',
          scoreScale: 'raw',
          maxReviewBytes: 1048576,
          shutdownGrace: 10000,
          logLevel: 'debug',
        },
        portworx: { tokenSecret: { name: 'px-user-token' } },
        extender: { tls: true },
      }),
    );
    const config = programConfig(deployment);
    expect(config).toMatchObject({
      schedulerName: 'converge-b',
      webhookPort: 9443,
      extenderPort: 9099,
      metricsPort: 9091,
      extenderTls: true,
      provisioners: ['linstor.csi.linbit.com', 'pxd.portworx.com'],
      overrideSchedulers: ['stork'],
      placement: ['portworx', 'node-labels'],
      portworxEndpoint: 'http://portworx-api.portworx:9021',
      portworxTokenFile: '/etc/kube-converge/portworx-token/auth-token',
      scoreScale: 'raw',
      maxReviewBytes: 1048576,
      shutdownGrace: 10000,
      logLevel: 'debug',
    });
    // SIGTERM drains for shutdownGrace; the kubelet waits a little longer before SIGKILL
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(15);
    const container = onlyContainer(deployment);
    expect(Object.fromEntries((container.ports as any[]).map((p) => [p.name, p.containerPort]))).toEqual({
      webhook: 9443,
      extender: 9099,
      metrics: 9091,
    });
  });

  it('adds extraEnv as given', async () => {
    const deployment = serverDeployment(
      await render({ extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }] }),
    );
    expect(plainEnv(onlyContainer(deployment)).NODE_OPTIONS).toBe('--max-old-space-size=384');
  });

  it('refuses the portworx source without an endpoint, and TLS files for an http endpoint', async () => {
    await expect(render({ config: { placement: ['portworx'] } })).rejects.toThrow(
      /set config\.portworxEndpoint/,
    );
    await expect(
      render({ config: { portworxEndpoint: 'http://px:9021' }, portworx: { tlsSecret: { name: 'px-tls' } } }),
    ).rejects.toThrow(/https:\/\/ config\.portworxEndpoint/);
  });
});

describe('certificates as the program sees them', () => {
  it('self: the Secret, its namespace (downward API), the webhook configuration and the Service names', async () => {
    const objects = await render();
    const deployment = serverDeployment(objects);
    const config = programConfig(deployment);
    const service = findObject(objects, 'Service');
    expect(config.certMode).toBe('self');
    expect(config.certNamespace).toBe(NAMESPACE);
    expect(envEntry(onlyContainer(deployment), 'KUBE_CONVERGE_CERT_NAMESPACE').valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.namespace' },
    });
    expect(config.webhookConfigName).toBe(findObject(objects, 'MutatingWebhookConfiguration').metadata.name);
    expect(config.certSecret).toBe(`${service.metadata.name}-tls`);
    // the name the API server dials (<service>.<namespace>.svc) is among the certificate's names
    expect(config.tlsDns).toContain(`${service.metadata.name}.${NAMESPACE}.svc`);
    expect(config.tlsCertFile).toBeUndefined();
  });

  it.each(MODES.slice(1))('%s: serves the mounted Secret from files', async (mode, values) => {
    const objects = await render(values());
    const deployment = serverDeployment(objects);
    const config = programConfig(deployment);
    expect(config.certMode).toBe('files');
    const mount = (onlyContainer(deployment).volumeMounts as any[]).find((m) => m.name === 'tls');
    expect(mount.readOnly).toBe(true);
    expect(config.tlsCertFile).toBe(`${mount.mountPath}/tls.crt`);
    expect(config.tlsKeyFile).toBe(`${mount.mountPath}/tls.key`);
    const volume = (deployment.spec.template.spec.volumes as any[]).find((v) => v.name === 'tls');
    const expectedSecret =
      mode === 'provided'
        ? 'my-tls'
        : findObject(objects, 'Certificate', `${findObject(objects, 'Service').metadata.name}-serving`).spec
            .secretName;
    expect(volume.secret.secretName).toBe(expectedSecret);
    expect((volume.secret.items as any[]).map((i) => i.path).sort()).toEqual(['tls.crt', 'tls.key']);
  });
});

describe('availability', () => {
  it('runs two replicas, spread over nodes when it can be, never all down in a rollout', async () => {
    const objects = await render();
    const deployment = serverDeployment(objects);
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(selects(deployment.spec.selector, podLabels)).toBe(true);
    const terms = deployment.spec.template.spec.affinity.podAntiAffinity
      .preferredDuringSchedulingIgnoredDuringExecution as any[];
    expect(terms).toHaveLength(1);
    expect(terms[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(selects(terms[0].podAffinityTerm.labelSelector, podLabels)).toBe(true);
    expect(
      deployment.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
    ).toBeUndefined();
  });

  it('has a PodDisruptionBudget of minAvailable 1 over its pods (only with more than one replica)', async () => {
    const objects = await render();
    const deployment = serverDeployment(objects);
    const pdb = findObject(objects, 'PodDisruptionBudget', deployment.metadata.name);
    expect(pdb.spec.minAvailable).toBe(1);
    expect(selects(pdb.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    const single = await render({ webhook: { replicas: 1 } });
    expect(
      single.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === deployment.metadata.name),
    ).toEqual([]);
  });

  it('takes a custom affinity instead of the default one', async () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'role', operator: 'In', values: ['infra'] }] }],
        },
      },
    };
    const deployment = serverDeployment(await render({ webhook: { affinity } }));
    expect(deployment.spec.template.spec.affinity).toEqual(affinity);
  });

  it('probes readiness on /readyz and liveness on /healthz over HTTPS on the webhook port', async () => {
    const container = onlyContainer(serverDeployment(await render()));
    const webhookPort = (container.ports as any[]).find((p) => p.name === 'webhook');
    expect(webhookPort.containerPort).toBe(DEFAULT_PORT.webhook);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'webhook', scheme: 'HTTPS' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'webhook', scheme: 'HTTPS' });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  it('exposes the webhook on 443, the extender and the metrics on their ports, to its own pods only', async () => {
    const objects = await render();
    const deployment = serverDeployment(objects);
    const service = findObject(objects, 'Service', deployment.metadata.name);
    expect(selects({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels)).toBe(
      true,
    );
    const containerPorts = Object.fromEntries(
      (onlyContainer(deployment).ports as any[]).map((p) => [p.name, p.containerPort]),
    );
    const exposed = (service.spec.ports as any[]).map((p) => [p.name, p.port, containerPorts[p.targetPort]]);
    expect(exposed).toEqual([
      ['webhook', 443, 8443],
      ['extender', 8099, 8099],
      ['metrics', 9090, 9090],
    ]);
  });
});

describe('hardening', () => {
  it.each(MODES)('%s: non-root, read-only, no privileges, RuntimeDefault seccomp', async (_mode, values) => {
    const deployment = serverDeployment(await render(values()));
    const pod = deployment.spec.template.spec;
    const container = onlyContainer(deployment);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.capabilities.add).toBeUndefined();
    expect(container.securityContext.privileged).toBeUndefined();
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) expect(pod[host]).toBeUndefined();
  });

  it.each(MODES)('%s: the only writable path is an emptyDir on /tmp', async (_mode, values) => {
    const deployment = serverDeployment(await render(values()));
    const volumes = Object.fromEntries(
      (deployment.spec.template.spec.volumes as any[]).map((v) => [v.name, v]),
    );
    const writable = (onlyContainer(deployment).volumeMounts as any[]).filter((m) => m.readOnly !== true);
    expect(writable.map((m) => m.mountPath)).toEqual(['/tmp']);
    expect(volumes[writable[0].name].emptyDir).toBeDefined();
    for (const v of Object.values<any>(volumes)) expect(v.hostPath).toBeUndefined();
  });
});
