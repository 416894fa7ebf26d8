/**
 * helm lint and helm template, for each certificate mode and the main value combinations, and the
 * combinations that must be refused with a message saying what to set.
 */
import { makeCA } from '../../src/tls/certs.js';
import { helmPath, lintChart, renderChart, templateChart, type ChartOptions } from './render.js';

let caPem = '';
beforeAll(async () => {
  helmPath(); // fails every test here, with the fix in the message, when helm has not been built
  caPem = (await makeCA({ commonName: 'chart-test-ca', validDays: 1 })).cert;
});

type Combo = [string, () => ChartOptions, readonly string[]];
const provided = (extra: Record<string, unknown> = {}): ChartOptions => ({
  values: {
    certificates: { mode: 'provided', provided: { secretName: 'my-tls', caBundle: caPem } },
    ...extra,
  },
});

// name, options, kinds that must be among the rendered objects
const COMBOS: Combo[] = [
  ['defaults (self certificates)', () => ({}), ['Role', 'RoleBinding', 'PodDisruptionBudget']],
  ['cert-manager', () => ({ values: { certificates: { mode: 'cert-manager' } } }), ['Certificate', 'Issuer']],
  [
    'cert-manager with an existing issuer',
    () => ({
      values: {
        certificates: {
          mode: 'cert-manager',
          certManager: { issuerRef: { name: 'corp', kind: 'ClusterIssuer' } },
        },
      },
    }),
    ['Certificate'],
  ],
  ['provided (PEM caBundle)', () => provided(), ['MutatingWebhookConfiguration']],
  [
    'provided (base64 caBundle)',
    () => ({
      values: {
        certificates: {
          mode: 'provided',
          provided: { secretName: 'my-tls', caBundle: Buffer.from(caPem).toString('base64') },
        },
      },
    }),
    ['MutatingWebhookConfiguration'],
  ],
  ['extender over HTTPS, self', () => ({ values: { extender: { tls: true } } }), ['ConfigMap']],
  [
    'extender over HTTPS, cert-manager',
    () => ({ values: { extender: { tls: true }, certificates: { mode: 'cert-manager' } } }),
    ['Certificate'],
  ],
  ['extender over HTTPS, provided', () => provided({ extender: { tls: true } }), ['ConfigMap']],
  [
    'no secondary scheduler (drive Stork)',
    () => ({ values: { scheduler: { enabled: false }, schedulerName: 'stork' } }),
    [],
  ],
  [
    'ServiceMonitor',
    () => ({ values: { metrics: { serviceMonitor: { enabled: true } } } }),
    ['ServiceMonitor'],
  ],
  ['single replicas', () => ({ values: { webhook: { replicas: 1 }, scheduler: { replicas: 1 } } }), []],
  [
    'raw scores, other provisioners and placement',
    () => ({
      values: {
        config: {
          scoreScale: 'raw',
          provisioners: ['linstor.csi.linbit.com'],
          placement: ['pv-node-affinity', 'node-labels'],
          overrideSchedulers: ['default-scheduler-2'],
          logLevel: 'debug',
        },
        scheduler: { extender: { weight: 3, ignorable: true } },
      },
    }),
    [],
  ],
  [
    'other names and namespace',
    () => ({
      release: 'storage',
      namespace: 'storage-system',
      values: {
        fullnameOverride: 'converge',
        schedulerName: 'converge-b',
        webhook: { excludeNamespaces: ['monitoring'] },
      },
    }),
    [],
  ],
  [
    'pinned images',
    () => ({
      values: { image: { digest: `sha256:${'a'.repeat(64)}` }, scheduler: { image: { tag: 'v1.33.5' } } },
    }),
    [],
  ],
];

describe('helm lint --strict', () => {
  it.each(COMBOS)('passes: %s', async (_name, options) => {
    const result = await lintChart(options());
    expect(result.stderr + result.stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
    expect(result.code).toBe(0);
  });
});

describe('helm template', () => {
  it.each(COMBOS)('renders: %s', async (_name, options, kinds) => {
    const objects = await renderChart(options());
    const rendered = new Set(objects.map((o) => o.kind));
    for (const kind of [
      'Deployment',
      'Service',
      'ServiceAccount',
      'MutatingWebhookConfiguration',
      'ClusterRole',
      ...kinds,
    ]) {
      expect(rendered).toContain(kind);
    }
    for (const o of objects) {
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
    }
    // namespaced objects land in the release namespace, except the scheduler's RoleBinding in kube-system
    const opts = options();
    const schedulerOn = (opts.values?.scheduler as { enabled?: boolean } | undefined)?.enabled !== false;
    const elsewhere = objects.filter(
      (o) =>
        o.metadata.namespace !== undefined && o.metadata.namespace !== (opts.namespace ?? 'kube-converge'),
    );
    expect(elsewhere.map((o) => `${o.kind}/${o.metadata.namespace}`)).toEqual(
      schedulerOn ? ['RoleBinding/kube-system'] : [],
    );
  });

  it('every image is pinned: an explicit tag or digest, never latest', async () => {
    for (const [, options] of COMBOS) {
      const objects = await renderChart(options());
      const images = objects
        .filter((o) => o.kind === 'Deployment')
        .flatMap((d) => (d.spec.template.spec.containers as any[]).map((c) => c.image as string));
      for (const image of images) {
        expect(image).toMatch(/(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/);
        expect(image).not.toMatch(/:latest$/);
      }
    }
  });
});

describe('values that are refused', () => {
  const refused: Array<[string, () => ChartOptions, RegExp]> = [
    [
      'provided without caBundle',
      () => ({ values: { certificates: { mode: 'provided', provided: { secretName: 'my-tls' } } } }),
      /certificates\.provided\.caBundle is required with certificates\.mode=provided/,
    ],
    [
      'provided without secretName',
      () => ({ values: { certificates: { mode: 'provided', provided: { caBundle: caPem } } } }),
      /certificates\.provided\.secretName is required with certificates\.mode=provided/,
    ],
    [
      'an unknown certificate mode',
      () => ({ values: { certificates: { mode: 'vault' } } }),
      /certificates\/mode/,
    ],
    [
      'a typo in a program setting',
      () => ({ values: { config: { provisioner: ['x'] } } }),
      /additional properties 'provisioner'/,
    ],
    [
      'an unknown placement source',
      () => ({ values: { config: { placement: ['gps'] } } }),
      /config\/placement/,
    ],
    ['the latest tag', () => ({ values: { image: { tag: 'latest' } } }), /image\/tag/],
    [
      'a webhook timeout above 30 s',
      () => ({ values: { webhook: { timeoutSeconds: 31 } } }),
      /webhook\/timeoutSeconds/,
    ],
    ['a cluster older than 1.30 (no matchConditions)', () => ({ kubeVersion: 'v1.29.9' }), /kubeVersion/],
  ];
  it.each(refused)('%s', async (_name, options, message) => {
    const result = await templateChart(options());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
