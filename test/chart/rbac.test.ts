/**
 * Least privilege, as rendered: the exact rules, no wildcards, write verbs only where the program
 * writes, names that match what the program is told to touch. (That the program and kube-scheduler
 * work under these rules alone is the end-to-end suite's job, against a real API server.)
 */
import { makeCA } from '../../src/tls/certs.js';
import { findObject, helmPath, renderChart, schedulerConfiguration, type K8sObject } from './render.js';
import { onlyContainer, plainEnv, rbacRules, schedulerDeployment, serverDeployment } from './select.js';

const READ = new Set(['get', 'list', 'watch']);

/** One line per (group, resource, verb, names) so rule sets compare as sorted lists. */
function flatten(rules: readonly any[]): string[] {
  return rules.flatMap((r) =>
    (r.apiGroups as string[]).flatMap((g) =>
      (r.resources as string[]).flatMap((res) =>
        (r.verbs as string[]).map(
          (v) => `${g}/${res} ${v}${r.resourceNames ? ` [${[...r.resourceNames].sort().join(',')}]` : ''}`,
        ),
      ),
    ),
  );
}

const BASE_RULES = [
  '/nodes list',
  '/nodes watch',
  '/namespaces list',
  '/namespaces watch',
  '/persistentvolumeclaims get',
  '/persistentvolumeclaims list',
  '/persistentvolumeclaims watch',
  '/persistentvolumes get',
  '/persistentvolumes list',
  '/persistentvolumes watch',
  'storage.k8s.io/storageclasses get',
  'storage.k8s.io/storageclasses list',
  'storage.k8s.io/storageclasses watch',
  'storage.k8s.io/csinodes list',
  'storage.k8s.io/csinodes watch',
  '/pods list',
  '/pods watch',
  '/events create',
];

let pem = '';
const rendered: Record<string, K8sObject[]> = {};
beforeAll(async () => {
  helmPath();
  pem = (await makeCA({ commonName: 'chart-test-ca', validDays: 1 })).cert;
  const modes: Record<string, Record<string, unknown>> = {
    self: {},
    'cert-manager': { certificates: { mode: 'cert-manager' } },
    provided: { certificates: { mode: 'provided', provided: { secretName: 'tls', caBundle: pem } } },
  };
  for (const [mode, values] of Object.entries(modes)) {
    rendered[mode] = await renderChart({ release: 'kc', namespace: 'storage', values });
  }
});

const MODES = ['self', 'cert-manager', 'provided'] as const;
const objectsOf = (mode: string): K8sObject[] => rendered[mode] as K8sObject[];

describe('every role the chart renders', () => {
  it.each(MODES)('%s: no wildcard anywhere', (mode) => {
    for (const { role, rule } of rbacRules(objectsOf(mode))) {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs']) {
        for (const value of (rule[field] ?? []) as string[]) {
          expect(`${role.kind}/${role.metadata.name} ${field}: ${value}`).not.toContain('*');
        }
      }
      expect(rule.nonResourceURLs).toBeUndefined();
    }
  });

  it.each(MODES)(
    '%s: writes only events, its lease, and (self mode) its Secret and webhook configuration',
    (mode) => {
      const objects = objectsOf(mode);
      const env = plainEnv(onlyContainer(serverDeployment(objects)));
      const lease = schedulerConfiguration(objects).leaderElection.resourceName as string;
      const allowedWrite = (rule: any, verb: string): boolean => {
        switch ((rule.resources as string[]).join()) {
          case 'events':
            return verb === 'create';
          case 'leases':
            return verb === 'update' && sameNames(rule, [lease]);
          case 'secrets':
            if (mode !== 'self') return false;
            return verb === 'create' ? !rule.resourceNames : sameNames(rule, [env.KUBE_CONVERGE_CERT_SECRET]);
          case 'mutatingwebhookconfigurations':
            return (
              mode === 'self' && verb !== 'create' && sameNames(rule, [env.KUBE_CONVERGE_WEBHOOK_CONFIG_NAME])
            );
          default:
            return false;
        }
      };
      const violations = rbacRules(objects).flatMap(({ role, rule }) =>
        (rule.verbs as string[])
          .filter((verb) => !READ.has(verb) && !allowedWrite(rule, verb))
          .map(
            (verb) => `${role.kind}/${role.metadata.name}: ${verb} ${(rule.resources as string[]).join()}`,
          ),
      );
      expect(violations).toEqual([]);
    },
  );

  it.each(MODES)('%s: nothing deletes, escalates, binds or impersonates', (mode) => {
    const verbs = rbacRules(objectsOf(mode)).flatMap(({ rule }) => rule.verbs as string[]);
    for (const verb of ['delete', 'deletecollection', 'escalate', 'bind', 'impersonate', 'approve', 'sign']) {
      expect(verbs).not.toContain(verb);
    }
  });
});

const sameNames = (rule: any, names: Array<string | undefined>): boolean =>
  Array.isArray(rule.resourceNames) &&
  JSON.stringify([...rule.resourceNames].sort()) === JSON.stringify([...names].sort());

describe('kube-converge', () => {
  it.each(['cert-manager', 'provided'])(
    '%s: reads what its cluster view caches, lists pods, creates events',
    (mode) => {
      const objects = objectsOf(mode);
      const clusterRole = findObject(objects, 'ClusterRole');
      expect(flatten(clusterRole.rules).sort()).toEqual([...BASE_RULES].sort());
      expect(objects.filter((o) => o.kind === 'Role' && o.metadata.name.endsWith('-certs'))).toEqual([]);
    },
  );

  it('self: adds its one webhook configuration and its one Secret, by the names the program is given', () => {
    const objects = objectsOf('self');
    const env = plainEnv(onlyContainer(serverDeployment(objects)));
    const configName = env.KUBE_CONVERGE_WEBHOOK_CONFIG_NAME as string;
    const secretName = env.KUBE_CONVERGE_CERT_SECRET as string;
    expect(configName).toBe(findObject(objects, 'MutatingWebhookConfiguration').metadata.name);

    const clusterRole = findObject(objects, 'ClusterRole');
    const webhookRules = ['get', 'patch'].map(
      (v) => `admissionregistration.k8s.io/mutatingwebhookconfigurations ${v} [${configName}]`,
    );
    expect(flatten(clusterRole.rules).sort()).toEqual([...BASE_RULES, ...webhookRules].sort());

    const role = findObject(objects, 'Role', `${clusterRole.metadata.name}-certs`);
    expect(role.metadata.namespace).toBe('storage');
    expect(flatten(role.rules).sort()).toEqual(
      [
        ...['get', 'update'].map((v) => `/secrets ${v} [${secretName}]`),
        '/secrets create', // create cannot be limited by name
      ].sort(),
    );
  });

  it.each(MODES)('%s: its roles are bound to the ServiceAccount its pods run as', (mode) => {
    const objects = objectsOf(mode);
    const sa = serverDeployment(objects).spec.template.spec.serviceAccountName;
    findObject(objects, 'ServiceAccount', sa);
    const clusterRole = findObject(objects, 'ClusterRole');
    const binding = findObject(objects, 'ClusterRoleBinding', clusterRole.metadata.name);
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: clusterRole.metadata.name,
    });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'storage' }]);
    if (mode === 'self') {
      const roleBinding = findObject(objects, 'RoleBinding', `${clusterRole.metadata.name}-certs`);
      expect(roleBinding.roleRef.name).toBe(`${clusterRole.metadata.name}-certs`);
      expect(roleBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'storage' }]);
    }
  });
});

describe('the secondary scheduler', () => {
  it('binds exactly the built-in scheduler roles, its lease Role and the authentication reader', () => {
    const objects = objectsOf('self');
    const sa = schedulerDeployment(objects).spec.template.spec.serviceAccountName;
    findObject(objects, 'ServiceAccount', sa);
    const bindings = objects
      .filter((o) => o.kind.endsWith('Binding'))
      .filter((b) => (b.subjects as any[]).some((s) => s.name === sa))
      .map((b) => {
        expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'storage' }]);
        return `${b.kind} ${b.metadata.namespace ?? '-'} -> ${b.roleRef.kind} ${b.roleRef.name}`;
      });
    expect(bindings.sort()).toEqual(
      [
        'ClusterRoleBinding - -> ClusterRole system:kube-scheduler',
        'ClusterRoleBinding - -> ClusterRole system:volume-scheduler',
        `RoleBinding storage -> Role ${sa}-lease`,
        'RoleBinding kube-system -> Role extension-apiserver-authentication-reader',
      ].sort(),
    );
  });

  it('may get and update only its own lease (system:kube-scheduler covers only "kube-scheduler")', () => {
    const objects = objectsOf('self');
    const config = schedulerConfiguration(objects);
    const sa = schedulerDeployment(objects).spec.template.spec.serviceAccountName;
    const role = findObject(objects, 'Role', `${sa}-lease`);
    expect(role.metadata.namespace).toBe(config.leaderElection.resourceNamespace);
    expect(flatten(role.rules).sort()).toEqual(
      [
        `coordination.k8s.io/leases get [${config.leaderElection.resourceName}]`,
        `coordination.k8s.io/leases update [${config.leaderElection.resourceName}]`,
      ].sort(),
    );
  });

  it('has no RBAC when it is not deployed', async () => {
    const objects = await renderChart({ values: { scheduler: { enabled: false } } });
    expect(objects.filter((o) => o.metadata.name.includes('scheduler'))).toEqual([]);
  });
});
