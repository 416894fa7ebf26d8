/**
 * The MutatingWebhookConfiguration against contract §3 and §4, with the program's own tables
 * (WORKLOAD_KINDS, LABEL, parseBool) as the expectation rather than a copy of them.
 */
import { WORKLOAD_KINDS } from '../../src/admission/workload.js';
import { ANNOTATION, LABEL } from '../../src/contract/keys.js';
import { parseBool } from '../../src/contract/values.js';
import { makeCA } from '../../src/tls/certs.js';
import { findObject, helmPath, renderChart, type K8sObject } from './render.js';
import { onlyWebhook, selects, webhookConfiguration } from './select.js';

let defaults: K8sObject[];
beforeAll(async () => {
  helmPath();
  defaults = await renderChart({ release: 'kc', namespace: 'storage' });
});

/** Kubernetes' resource name for a kind we mutate (all regular plurals). */
const resourceOf = (kind: string): string => `${kind.toLowerCase()}s`;

describe('the webhook', () => {
  it('has one DNS-named webhook whose audit annotation is <name>/decision', () => {
    const hook = onlyWebhook(defaults);
    expect(hook.name).toBe('webhook.kube-converge.io');
    expect(hook.name.split('.').length).toBeGreaterThanOrEqual(3);
    // kube-apiserver prefixes the program's bare auditAnnotations key with the webhook name
    expect(`${hook.name}/${ANNOTATION.decision}`).toBe('webhook.kube-converge.io/decision');
  });

  it('never blocks, has no side effects, answers quickly and is asked again when needed', () => {
    const hook = onlyWebhook(defaults);
    expect(hook.failurePolicy).toBe('Ignore');
    expect(hook.sideEffects).toBe('None');
    expect(hook.timeoutSeconds).toBe(5);
    expect(hook.reinvocationPolicy).toBe('IfNeeded');
    expect(hook.admissionReviewVersions).toEqual(['v1', 'v1beta1']);
    expect(hook.matchPolicy).toBe('Equivalent');
  });

  it('takes timeoutSeconds from the values', async () => {
    const objects = await renderChart({ values: { webhook: { timeoutSeconds: 2 } } });
    expect(onlyWebhook(objects).timeoutSeconds).toBe(2);
  });

  it('matches exactly the kinds and operations of contract §3 (the admission code table)', () => {
    const rendered = (onlyWebhook(defaults).rules as any[]).flatMap((rule) => {
      expect(rule.scope).toBe('Namespaced');
      expect(rule.apiVersions).toEqual(['v1']);
      return (rule.apiGroups as string[]).flatMap((group) =>
        (rule.resources as string[]).map(
          (resource) => `${group}/${resource}:${[...rule.operations].sort().join(',')}`,
        ),
      );
    });
    const expected = WORKLOAD_KINDS.map(
      (k) => `${k.group}/${resourceOf(k.kind)}:${[...k.operations].sort().join(',')}`,
    );
    expect(rendered.sort()).toEqual(expected.sort());
    expect(rendered.join(' ')).not.toMatch(/\*|daemonsets|DELETE|CONNECT/);
  });

  it('calls the Service on 443 at /mutate, which reaches the webhook container port', () => {
    const hook = onlyWebhook(defaults);
    const service = findObject(defaults, 'Service', hook.clientConfig.service.name);
    expect(hook.clientConfig.service).toEqual({
      name: service.metadata.name,
      namespace: 'storage',
      path: '/mutate',
      port: 443,
    });
    const port = (service.spec.ports as any[]).find((p) => p.port === 443);
    expect(port.targetPort).toBe('webhook');
    const deployment = findObject(defaults, 'Deployment', service.metadata.name);
    const containerPort = (deployment.spec.template.spec.containers[0].ports as any[]).find(
      (p) => p.name === 'webhook',
    );
    expect(containerPort.containerPort).toBe(8443);
    expect(selects({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels)).toBe(
      true,
    );
  });
});

describe('the namespaceSelector', () => {
  const ns = (name: string, labels: Record<string, string> = {}) => ({
    'kubernetes.io/metadata.name': name,
    ...labels,
  });

  const OPT_OUT = LABEL.disableAdmissionController;
  it.each([
    ['an ordinary namespace', true, ns('shop')],
    ['kube-system', false, ns('kube-system')],
    ['the release namespace', false, ns('storage')],
    ['an opted-out namespace', false, ns('shop', { [OPT_OUT]: 'true' })],
    ['an opted-out namespace (True)', false, ns('shop', { [OPT_OUT]: 'True' })],
    ['an opted-out namespace (1)', false, ns('shop', { [OPT_OUT]: '1' })],
    ['a namespace that says false', true, ns('shop', { [OPT_OUT]: 'false' })],
    ['a namespace with an unparsable value', true, ns('shop', { [OPT_OUT]: 'maybe' })],
  ])('%s: sent to the webhook = %s', (_name, sent, labels) => {
    expect(selects(onlyWebhook(defaults).namespaceSelector, labels)).toBe(sent);
  });

  it('lists only spellings kube-converge itself reads as true', () => {
    const optOut = (onlyWebhook(defaults).namespaceSelector.matchExpressions as any[]).find(
      (e) => e.key === LABEL.disableAdmissionController,
    );
    expect(optOut.operator).toBe('NotIn');
    expect(optOut.values).toContain('true');
    for (const value of optOut.values as string[]) expect(parseBool(value)).toBe(true);
  });

  it('adds excludeNamespaces to the ones always excluded', async () => {
    const objects = await renderChart({
      namespace: 'kube-system',
      values: { webhook: { excludeNamespaces: ['monitoring'] } },
    });
    const selector = onlyWebhook(objects).namespaceSelector;
    expect(selects(selector, ns('monitoring'))).toBe(false);
    expect(selects(selector, ns('kube-system'))).toBe(false);
    expect(selects(selector, ns('shop'))).toBe(true);
    const names = (selector.matchExpressions as any[]).find((e) => e.key === LABEL.metadataName)
      .values as string[];
    expect(new Set(names).size).toBe(names.length); // release namespace = kube-system: listed once
  });
});

describe('the matchConditions', () => {
  const conditions = (): Array<{ name: string; expression: string }> => onlyWebhook(defaults).matchConditions;

  it('has uniquely named conditions', () => {
    const names = conditions().map((c) => c.name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });

  it('covers every kind the webhook receives, and each of its volume lists', () => {
    const text = conditions()
      .map((c) => c.expression)
      .join('\n');
    for (const kind of WORKLOAD_KINDS) expect(text).toContain(`'${kind.kind}'`);
    for (const path of [
      'object.spec.volumes',
      'object.spec.template.spec.volumes',
      'object.spec.jobTemplate.spec.template.spec.volumes',
    ]) {
      expect(text).toContain(`${path}.exists(`);
    }
    expect(text).toContain('object.spec.volumeClaimTemplates');
  });

  it('looks for every volume source that can hold managed storage (contract §2)', () => {
    for (const { expression } of conditions()) {
      if (!expression.includes('.exists(')) continue;
      for (const source of ['persistentVolumeClaim', 'ephemeral', 'csi', 'portworxVolume']) {
        expect(expression).toContain(`has(v.${source})`);
      }
    }
  });

  it('guards every field it reads with has(), so a missing field is false rather than an error', () => {
    for (const { expression } of conditions()) {
      const reads = new Set<string>();
      for (const m of expression.matchAll(/object(?:\.[A-Za-z]+)+(\()?/g)) {
        const parts = m[0].replace(/\($/, '').split('.');
        if (m[1] !== undefined) parts.pop(); // a method: object.spec.volumes.exists( reads up to volumes
        // object.a.b.c reads object.a, object.a.b and object.a.b.c
        for (let i = 2; i <= parts.length; i++) reads.add(parts.slice(0, i).join('.'));
      }
      for (const read of reads) expect(expression).toContain(`has(${read})`);
    }
  });
});

describe('caBundle', () => {
  it('is left out in self mode: kube-converge writes it, and Helm must not overwrite it', () => {
    const config = webhookConfiguration(defaults);
    expect(onlyWebhook(defaults).clientConfig.caBundle).toBeUndefined();
    expect(config.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBeUndefined();
  });

  it('is injected by cert-manager from the serving Certificate', async () => {
    const objects = await renderChart({
      namespace: 'storage',
      values: { certificates: { mode: 'cert-manager' } },
    });
    expect(onlyWebhook(objects).clientConfig.caBundle).toBeUndefined();
    const [ns, name] =
      webhookConfiguration(objects).metadata.annotations?.['cert-manager.io/inject-ca-from']?.split('/') ??
      [];
    const certificate = findObject(objects, 'Certificate', name);
    expect(ns).toBe('storage');
    expect(certificate.metadata.namespace).toBe('storage');
  });

  it.each([
    ['PEM', (pem: string) => pem],
    ['base64 of PEM', (pem: string) => Buffer.from(pem).toString('base64')],
  ])('is the provided CA (given as %s), base64-encoded once', async (_name, encode) => {
    const pem = (await makeCA({ commonName: 'chart-test-ca', validDays: 1 })).cert;
    const objects = await renderChart({
      values: { certificates: { mode: 'provided', provided: { secretName: 'tls', caBundle: encode(pem) } } },
    });
    const caBundle = onlyWebhook(objects).clientConfig.caBundle as string;
    expect(Buffer.from(caBundle, 'base64').toString('utf8').trim()).toBe(pem.trim());
  });
});
