/** The cert-manager objects: a chain that ends in the Secret the webhook serves and the CA it injects. */
import { findObject, helmPath, objectsOfKind, renderChart, type K8sObject } from './render.js';
import { serverDeployment, webhookConfiguration } from './select.js';

const NAMESPACE = 'storage';
beforeAll(() => {
  helmPath();
});

const certManager = (certManagerValues: Record<string, unknown> = {}) =>
  renderChart({
    release: 'kc',
    namespace: NAMESPACE,
    values: { certificates: { mode: 'cert-manager', certManager: certManagerValues } },
  });

/** The Certificate cainjector reads (annotation `<namespace>/<name>`). */
function injectedCertificate(objects: K8sObject[]): K8sObject {
  const from = webhookConfiguration(objects).metadata.annotations?.['cert-manager.io/inject-ca-from'] ?? '';
  const [namespace, name] = from.split('/');
  expect(namespace).toBe(NAMESPACE);
  return findObject(objects, 'Certificate', name);
}

describe('cert-manager mode', () => {
  it('chains a self-signed Issuer, a CA Certificate and a CA Issuer to the serving Certificate', async () => {
    const objects = await certManager();
    const serving = injectedCertificate(objects);
    const caIssuer = findObject(objects, 'Issuer', serving.spec.issuerRef.name);
    expect(serving.spec.issuerRef.kind).toBe('Issuer');
    const caCertificate = objectsOfKind(objects, 'Certificate').find(
      (c) => c.spec.secretName === caIssuer.spec.ca.secretName,
    );
    expect(caCertificate?.spec.isCA).toBe(true);
    const root = findObject(objects, 'Issuer', caCertificate?.spec.issuerRef.name);
    expect(root.spec.selfSigned).toEqual({});
    for (const o of [serving, caIssuer, caCertificate, root]) expect(o?.metadata.namespace).toBe(NAMESPACE);
  });

  it('issues the serving certificate for the Service names (SANs, no CN) into the Secret the pods mount', async () => {
    const objects = await certManager();
    const serving = injectedCertificate(objects);
    const service = findObject(objects, 'Service');
    const svc = service.metadata.name;
    expect(serving.spec.dnsNames).toEqual([
      svc,
      `${svc}.${NAMESPACE}`,
      `${svc}.${NAMESPACE}.svc`,
      `${svc}.${NAMESPACE}.svc.cluster.local`,
    ]);
    expect(serving.spec.commonName).toBeUndefined();
    expect(serving.spec.usages).toContain('server auth');
    const tls = (serverDeployment(objects).spec.template.spec.volumes as any[]).find((v) => v.name === 'tls');
    expect(tls.secret.secretName).toBe(serving.spec.secretName);
    expect(serving.spec).toMatchObject({ duration: '2160h', renewBefore: '720h' });
  });

  it('uses an existing issuer instead of its own CA when issuerRef is given', async () => {
    const objects = await certManager({ issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } });
    expect(objectsOfKind(objects, 'Issuer')).toEqual([]);
    expect(objectsOfKind(objects, 'Certificate')).toHaveLength(1);
    expect(injectedCertificate(objects).spec.issuerRef).toEqual({
      name: 'corp-ca',
      kind: 'ClusterIssuer',
      group: 'cert-manager.io',
    });
  });

  it('takes the cluster domain from the values', async () => {
    const objects = await renderChart({
      namespace: NAMESPACE,
      values: { clusterDomain: 'corp.local', certificates: { mode: 'cert-manager' } },
    });
    expect(injectedCertificate(objects).spec.dnsNames.at(-1)).toMatch(/\.svc\.corp\.local$/);
  });
});

describe('the other modes', () => {
  it.each([
    ['self', {}],
    ['provided', { certificates: { mode: 'provided', provided: { secretName: 'tls', caBundle: 'Zm9v' } } }],
  ])('%s: renders no cert-manager object and no injection annotation', async (_mode, values) => {
    const objects = await renderChart({ values });
    expect(objects.filter((o) => o.apiVersion.startsWith('cert-manager.io/'))).toEqual([]);
    expect(
      webhookConfiguration(objects).metadata.annotations?.['cert-manager.io/inject-ca-from'],
    ).toBeUndefined();
  });
});
