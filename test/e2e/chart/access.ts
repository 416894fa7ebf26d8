/**
 * SelfSubjectAccessReviews for the chart's two ServiceAccounts: what each must be allowed (so the
 * denials below are not a broken review) and what neither may do — other Secrets, pods, nodes, other
 * webhook configurations and leases, anything destructive.
 */
import type { ResourceAttributes } from './api.js';

export type AccessCase = readonly [what: string, attributes: ResourceAttributes, allowed: boolean];

const WEBHOOKS = { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' };
const LEASES = { group: 'coordination.k8s.io', resource: 'leases' };

export function programAccess(o: {
  ns: string;
  apps: string;
  secretName: string;
  webhookName: string;
  node: string;
}): AccessCase[] {
  const { ns, apps, secretName, webhookName, node } = o;
  return [
    ['list nodes', { verb: 'list', resource: 'nodes' }, true],
    ['get claims', { verb: 'get', resource: 'persistentvolumeclaims', namespace: apps }, true],
    ['create events', { verb: 'create', resource: 'events', namespace: apps }, true],
    ['get its Secret', { verb: 'get', resource: 'secrets', namespace: ns, name: secretName }, true],
    ['patch its webhook configuration', { verb: 'patch', ...WEBHOOKS, name: webhookName }, true],
    ['create pods', { verb: 'create', resource: 'pods', namespace: apps }, false],
    ['bind pods', { verb: 'create', resource: 'pods', subresource: 'binding', namespace: apps }, false],
    ['get pods', { verb: 'get', resource: 'pods', namespace: apps }, false],
    ['update nodes', { verb: 'update', resource: 'nodes' }, false],
    ['patch a node', { verb: 'patch', resource: 'nodes', name: node }, false],
    ['get secrets cluster-wide', { verb: 'get', resource: 'secrets' }, false],
    ['list secrets in its namespace', { verb: 'list', resource: 'secrets', namespace: ns }, false],
    ['watch its Secret', { verb: 'watch', resource: 'secrets', namespace: ns, name: secretName }, false],
    ['get another Secret', { verb: 'get', resource: 'secrets', namespace: ns, name: 'someone-else' }, false],
    ['create secrets elsewhere', { verb: 'create', resource: 'secrets', namespace: apps }, false],
    ['delete its Secret', { verb: 'delete', resource: 'secrets', namespace: ns, name: secretName }, false],
    ['delete its webhook configuration', { verb: 'delete', ...WEBHOOKS, name: webhookName }, false],
    ['patch another webhook configuration', { verb: 'patch', ...WEBHOOKS, name: 'other' }, false],
    ['create webhook configurations', { verb: 'create', ...WEBHOOKS }, false],
    ['update claims', { verb: 'update', resource: 'persistentvolumeclaims', namespace: apps }, false],
    ['delete volumes', { verb: 'delete', resource: 'persistentvolumes' }, false],
    ['get configmaps', { verb: 'get', resource: 'configmaps', namespace: ns }, false],
    ['create leases', { verb: 'create', ...LEASES, namespace: ns }, false],
  ];
}

export function schedulerAccess(o: {
  ns: string;
  apps: string;
  lease: string;
  webhookName: string;
}): AccessCase[] {
  const { ns, apps, lease, webhookName } = o;
  return [
    ['update its lease', { verb: 'update', ...LEASES, namespace: ns, name: lease }, true],
    ['bind pods', { verb: 'create', resource: 'pods', subresource: 'binding', namespace: apps }, true],
    [
      'read the authentication ConfigMap',
      {
        verb: 'get',
        resource: 'configmaps',
        namespace: 'kube-system',
        name: 'extension-apiserver-authentication',
      },
      true,
    ],
    [
      'update another lease of its namespace',
      { verb: 'update', ...LEASES, namespace: ns, name: 'other' },
      false,
    ],
    ['get secrets', { verb: 'get', resource: 'secrets', namespace: ns }, false],
    [
      'read another ConfigMap of kube-system',
      { verb: 'get', resource: 'configmaps', namespace: 'kube-system', name: 'other' },
      false,
    ],
    ['patch webhook configurations', { verb: 'patch', ...WEBHOOKS, name: webhookName }, false],
    ['create pods', { verb: 'create', resource: 'pods', namespace: apps }, false],
  ];
}
