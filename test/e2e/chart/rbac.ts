/**
 * The chart's roles as a list of single permissions (one API group, one resource, one verb, the rule's
 * resourceNames), and the same roles with one permission taken away: the least-privilege suite runs
 * kube-converge under each such variant and shows the capability that permission exists for fails.
 */
import type { K8sObject } from '../../chart/render.js';

export interface Permission {
  /** `ClusterRole` or `Role`, and its name: where the chart grants it. */
  readonly roleKind: 'ClusterRole' | 'Role';
  readonly roleName: string;
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  readonly resourceNames?: readonly string[];
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** `storage.k8s.io/storageclasses get`, `/pods list`: the key the capability probes are filed under. */
export const keyOf = (p: Pick<Permission, 'group' | 'resource' | 'verb'>): string =>
  `${p.group}/${p.resource} ${p.verb}`;

const SHORT: Readonly<Record<string, string>> = {
  persistentvolumeclaims: 'pvcs',
  persistentvolumes: 'pvs',
  storageclasses: 'classes',
  mutatingwebhookconfigurations: 'webhookconfigs',
};

/**
 * A short DNS-label fragment naming the permission, e.g. `pvcs-get` or `events-k8s-create` (release
 * names, which carry it in the self-mode variants, may not exceed 53 characters).
 */
export const slugOf = (p: Permission): string => {
  const group =
    p.group === '' || p.group.endsWith('storage.k8s.io') || p.group.startsWith('admission')
      ? ''
      : `-${p.group.replace(/\.io$/, '').replace(/\./g, '-')}`;
  return `${SHORT[p.resource] ?? p.resource}${group}-${p.verb}`;
};

export const describePermission = (p: Permission): string =>
  `${p.roleKind} ${p.roleName}: ${keyOf(p)}${p.resourceNames ? ` [${p.resourceNames.join(',')}]` : ''}`;

function atoms(role: K8sObject): Permission[] {
  const roleKind = role.kind as 'ClusterRole' | 'Role';
  return (role.rules as Rule[]).flatMap((rule) =>
    rule.apiGroups.flatMap((group) =>
      rule.resources.flatMap((resource) =>
        rule.verbs.map((verb) => ({
          roleKind,
          roleName: role.metadata.name,
          group,
          resource,
          verb,
          ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
        })),
      ),
    ),
  );
}

/** Every permission the given ClusterRoles and Roles grant. */
export function permissionsOf(roles: readonly K8sObject[]): Permission[] {
  return roles.flatMap(atoms);
}

const same = (a: Permission, b: Permission): boolean =>
  a.roleKind === b.roleKind &&
  a.roleName === b.roleName &&
  keyOf(a) === keyOf(b) &&
  JSON.stringify(a.resourceNames ?? null) === JSON.stringify(b.resourceNames ?? null);

/**
 * The role without `p`: the rules that do not grant it stay as rendered, the one that does is split
 * into single-permission rules minus `p`. Returns the role unchanged when it does not grant `p`.
 */
export function withoutPermission(role: K8sObject, p: Permission): K8sObject {
  const rules = role.rules as Rule[];
  const next: Rule[] = [];
  for (const rule of rules) {
    const granted = atoms({ ...role, rules: [rule] });
    if (!granted.some((g) => same(g, p))) {
      next.push(rule);
      continue;
    }
    for (const g of granted.filter((x) => !same(x, p))) {
      next.push({
        apiGroups: [g.group],
        resources: [g.resource],
        verbs: [g.verb],
        ...(g.resourceNames ? { resourceNames: [...g.resourceNames] } : {}),
      });
    }
  }
  return { ...role, rules: next };
}
