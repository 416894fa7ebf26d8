/** Accessors for the parts of the rendered chart the tests look at. */
import { findObject, type K8sObject } from './render.js';

const byComponent =
  (component: string) =>
  (objects: readonly K8sObject[]): K8sObject => {
    const hits = objects.filter(
      (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === component,
    );
    if (hits.length !== 1) throw new Error(`expected one ${component} Deployment, found ${hits.length}`);
    return hits[0] as K8sObject;
  };

/** The kube-converge Deployment (webhook + extender + metrics). */
export const serverDeployment = byComponent('webhook');
export const schedulerDeployment = byComponent('scheduler');

export function onlyContainer(deployment: K8sObject): any {
  const containers = deployment.spec.template.spec.containers as any[];
  if (containers.length !== 1) throw new Error(`expected one container, found ${containers.length}`);
  return containers[0];
}

/** The container's plain `value` environment variables (valueFrom entries left out). */
export function plainEnv(container: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of (container.env ?? []) as any[]) if (typeof e.value === 'string') out[e.name] = e.value;
  return out;
}

export function envEntry(container: any, name: string): any {
  return ((container.env ?? []) as any[]).find((e) => e.name === name);
}

export function webhookConfiguration(objects: readonly K8sObject[]): K8sObject {
  return findObject(objects, 'MutatingWebhookConfiguration');
}

export function onlyWebhook(objects: readonly K8sObject[]): any {
  const hooks = webhookConfiguration(objects).webhooks as any[];
  if (hooks.length !== 1) throw new Error(`expected one webhook, found ${hooks.length}`);
  return hooks[0];
}

/** Does a label selector (matchLabels + matchExpressions) select these labels? */
export function selects(selector: any, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) {
    if (labels[k] !== v) return false;
  }
  for (const e of (selector.matchExpressions ?? []) as any[]) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const inValues = has && (e.values as string[]).includes(value as string);
    const ok =
      e.operator === 'In'
        ? inValues
        : e.operator === 'NotIn'
          ? !inValues
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Every Role and ClusterRole rule the chart renders, with where it comes from. */
export function rbacRules(objects: readonly K8sObject[]): Array<{ role: K8sObject; rule: any }> {
  return objects
    .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
    .flatMap((role) => ((role.rules ?? []) as any[]).map((rule) => ({ role, rule })));
}
