/**
 * The secondary scheduler: its KubeSchedulerConfiguration, image, hardening, and the extender weight
 * arithmetic (scoring.md "What the extender sends back"), computed with the program's own score mapping.
 */
import { MAX_EXTENDER_SCORE, toExtenderScore } from '../../src/scoring/scale.js';
import { makeCA } from '../../src/tls/certs.js';
import { findObject, helmPath, renderChart, schedulerConfiguration, type K8sObject } from './render.js';
import { onlyContainer, plainEnv, schedulerDeployment, serverDeployment } from './select.js';

const NAMESPACE = 'storage';
let defaults: K8sObject[];
beforeAll(async () => {
  helmPath();
  defaults = await renderChart({ release: 'kc', namespace: NAMESPACE });
});

describe('the KubeSchedulerConfiguration', () => {
  it('is v1 with one profile named after the scheduler name, scoring every node', () => {
    const config = schedulerConfiguration(defaults);
    expect(config.apiVersion).toBe('kubescheduler.config.k8s.io/v1');
    expect(config.kind).toBe('KubeSchedulerConfiguration');
    expect(config.profiles).toEqual([{ schedulerName: 'kube-converge', percentageOfNodesToScore: 100 }]);
  });

  it('elects a leader on its own lease in the release namespace', () => {
    expect(schedulerConfiguration(defaults).leaderElection).toEqual({
      leaderElect: true,
      resourceLock: 'leases',
      resourceName: 'kube-converge',
      resourceNamespace: NAMESPACE,
    });
  });

  it('calls the extender through the Service, with node names only, and waits for it', () => {
    const [extender, ...more] = schedulerConfiguration(defaults).extenders as any[];
    expect(more).toEqual([]);
    const service = findObject(defaults, 'Service');
    const port = (service.spec.ports as any[]).find((p) => p.name === 'extender');
    expect(extender.urlPrefix).toBe(`http://${service.metadata.name}.${NAMESPACE}.svc:${port.port}`);
    // the program serves POST /filter and POST /prioritize (contract §5)
    expect(extender).toMatchObject({
      filterVerb: 'filter',
      prioritizeVerb: 'prioritize',
      nodeCacheCapable: true,
      enableHTTPS: false,
      ignorable: false,
      httpTimeout: '5s',
      weight: 30,
    });
    expect(extender.bindVerb).toBeUndefined();
    expect(extender.preemptVerb).toBeUndefined();
  });

  it('takes the scheduler name, weight, timeout and ignorable from the values, everywhere at once', async () => {
    const objects = await renderChart({
      namespace: NAMESPACE,
      values: {
        schedulerName: 'converge-b',
        scheduler: { extender: { weight: 7, httpTimeout: '2s', ignorable: true } },
      },
    });
    const config = schedulerConfiguration(objects);
    expect(config.profiles[0].schedulerName).toBe('converge-b');
    expect(config.leaderElection.resourceName).toBe('converge-b');
    expect(config.extenders[0]).toMatchObject({ weight: 7, httpTimeout: '2s', ignorable: true });
    // the webhook writes the name this scheduler answers to
    expect(plainEnv(onlyContainer(serverDeployment(objects))).KUBE_CONVERGE_SCHEDULER_NAME).toBe(
      'converge-b',
    );
  });

  it('rolls the scheduler pods when the configuration changes (kube-scheduler reads it once)', async () => {
    const checksum = (objects: K8sObject[]) =>
      schedulerDeployment(objects).spec.template.metadata.annotations['checksum/config'] as string;
    const other = await renderChart({
      namespace: NAMESPACE,
      values: { scheduler: { extender: { weight: 31 } } },
    });
    expect(checksum(defaults)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(other)).not.toBe(checksum(defaults));
  });
});

describe('the extender over HTTPS', () => {
  const tlsModes: Array<[string, string, () => Promise<Record<string, unknown>>]> = [
    ['self', 'secret', () => Promise.resolve({})],
    ['cert-manager', 'secret', () => Promise.resolve({ certificates: { mode: 'cert-manager' } })],
    [
      'provided',
      'configMap',
      async () => ({
        certificates: {
          mode: 'provided',
          provided: {
            secretName: 'my-tls',
            caBundle: (await makeCA({ commonName: 'ca', validDays: 1 })).cert,
          },
        },
      }),
    ],
  ];

  it.each(tlsModes)(
    '%s: the scheduler verifies the extender against the CA mounted from the %s',
    async (_mode, source, values) => {
      const objects = await renderChart({
        namespace: NAMESPACE,
        values: { ...(await values()), extender: { tls: true } },
      });
      const extender = schedulerConfiguration(objects).extenders[0];
      expect(extender.enableHTTPS).toBe(true);
      expect(extender.urlPrefix).toMatch(/^https:\/\//);
      expect(plainEnv(onlyContainer(serverDeployment(objects))).KUBE_CONVERGE_EXTENDER_TLS).toBe('true');
      const scheduler = schedulerDeployment(objects);
      const mount = (onlyContainer(scheduler).volumeMounts as any[]).find((m) =>
        extender.tlsConfig.caFile.startsWith(`${m.mountPath}/`),
      );
      const volume = (scheduler.spec.template.spec.volumes as any[]).find((v) => v.name === mount.name);
      const file = (extender.tlsConfig.caFile as string).slice(mount.mountPath.length + 1);
      if (source === 'secret') {
        // the Secret holding the serving certificate also holds the CA that signed it, never its key here
        const tlsEnv = plainEnv(onlyContainer(serverDeployment(objects)));
        const served =
          tlsEnv.KUBE_CONVERGE_CERT_SECRET ??
          (serverDeployment(objects).spec.template.spec.volumes as any[]).find((v) => v.name === 'tls').secret
            .secretName;
        expect(volume.secret.secretName).toBe(served);
        expect(volume.secret.items).toEqual([{ key: 'ca.crt', path: file }]);
      } else {
        const configMap = findObject(objects, 'ConfigMap', volume.configMap.name);
        expect(configMap.data[file]).toMatch(/^-----BEGIN CERTIFICATE-----/);
      }
    },
  );
});

describe('the scheduler Deployment', () => {
  it('runs upstream kube-scheduler at the cluster version, the vendor suffix removed', async () => {
    const image = async (kubeVersion: string, tag?: string) =>
      onlyContainer(
        schedulerDeployment(
          await renderChart({ kubeVersion, values: tag ? { scheduler: { image: { tag } } } : {} }),
        ),
      ).image as string;
    expect(await image('v1.34.10')).toBe('registry.k8s.io/kube-scheduler:v1.34.10');
    expect(await image('v1.31.2+k3s1')).toBe('registry.k8s.io/kube-scheduler:v1.31.2');
    expect(await image('v1.30.4-eks-a737599')).toBe('registry.k8s.io/kube-scheduler:v1.30.4');
    expect(await image('v1.34.10', 'v1.33.5')).toBe('registry.k8s.io/kube-scheduler:v1.33.5');
  });

  it('reads the configuration from the ConfigMap it mounts', () => {
    const scheduler = schedulerDeployment(defaults);
    const container = onlyContainer(scheduler);
    const configArg = (container.command as string[]).find((a) => a.startsWith('--config='));
    const path = configArg?.slice('--config='.length) ?? '';
    const mount = (container.volumeMounts as any[]).find((m) => path.startsWith(`${m.mountPath}/`));
    const volume = (scheduler.spec.template.spec.volumes as any[]).find((v) => v.name === mount.name);
    const configMap = findObject(defaults, 'ConfigMap', volume.configMap.name);
    expect(Object.keys(configMap.data)).toContain(path.slice(mount.mountPath.length + 1));
    expect(container.command[0]).toBe('kube-scheduler');
  });

  it('is hardened like the webhook and probed on its secure port', () => {
    const scheduler = schedulerDeployment(defaults);
    const container = onlyContainer(scheduler);
    expect(scheduler.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const port = (container.ports as any[]).find((p) => p.name === container.livenessProbe.httpGet.port);
    expect(port.containerPort).toBe(10259);
    expect(container.livenessProbe.httpGet.scheme).toBe('HTTPS');
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', scheme: 'HTTPS' });
  });

  it('is left out with scheduler.enabled=false (e.g. to drive an existing Stork)', async () => {
    const objects = await renderChart({ values: { scheduler: { enabled: false }, schedulerName: 'stork' } });
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'scheduler')).toEqual(
      [],
    );
    expect(plainEnv(onlyContainer(serverDeployment(objects))).KUBE_CONVERGE_SCHEDULER_NAME).toBe('stork');
  });
});

describe('the weight arithmetic', () => {
  // kube-scheduler 1.34 pkg/scheduler/apis/config/v1/default_plugins.go: the scoring plugins' weights.
  // VolumeBinding scores (weight 1) only with the alpha StorageCapacityScoring gate; counted to be safe.
  const DEFAULT_SCORE_WEIGHTS = {
    TaintToleration: 3,
    NodeAffinity: 2,
    PodTopologySpread: 2,
    InterPodAffinity: 2,
    NodeResourcesFit: 1,
    NodeResourcesBalancedAllocation: 1,
    ImageLocality: 1,
    VolumeBinding: 1,
  };
  const MAX_NODE_SCORE = 100; // framework.MaxNodeScore
  /** The most the default plugins can separate two nodes by. */
  const pluginSpread = MAX_NODE_SCORE * Object.values(DEFAULT_SCORE_WEIGHTS).reduce((a, b) => a + b, 0);
  /** kube-scheduler schedule_one.go: score × weight × (MaxNodeScore / MaxExtenderPriority). */
  const extenderPoints = (score: number, weight: number) =>
    score * weight * (MAX_NODE_SCORE / MAX_EXTENDER_SCORE);

  it('lets a node holding the data outrank every node that does not, whatever the default plugins say', () => {
    const weight = schedulerConfiguration(defaults).extenders[0].weight as number;
    // one volume: the replica holder vs the best non-holder, a node in the same rack (scoring.md)
    const holder = toExtenderScore(100, 100, 'linear');
    const rackMate = toExtenderScore(50, 100, 'linear');
    expect([holder, rackMate]).toEqual([10, 5]);
    expect(pluginSpread).toBe(1300);
    expect(extenderPoints(holder, weight) - extenderPoints(rackMate, weight)).toBeGreaterThan(pluginSpread);
    // the same for three volumes: holding all three vs being in the rack of all three
    const gap3 =
      extenderPoints(toExtenderScore(300, 300, 'linear'), weight) -
      extenderPoints(toExtenderScore(150, 300, 'linear'), weight);
    expect(gap3).toBeGreaterThan(pluginSpread);
  });

  it('documents 27 as the smallest weight that guarantees it', () => {
    const gap = (w: number) => extenderPoints(10, w) - extenderPoints(5, w);
    expect(gap(27)).toBeGreaterThan(pluginSpread);
    expect(gap(26)).not.toBeGreaterThan(pluginSpread);
  });
});
