import type { Labels, NodeSelectorRequirement, NodeSelectorTerm, SlimNode } from '../cluster/types.js';

/**
 * Required node affinity matching, as Kubernetes does it (k8s.io/component-helpers
 * scheduling/corev1/nodeaffinity): terms are ORed, the requirements inside a term ANDed, and a term
 * with no requirement at all matches nothing.
 */

const INTEGER = /^[+-]?\d+$/;

/** Gt/Lt: both sides must parse as integers (Go's strconv.ParseInt), else the requirement fails. */
function compareIntegers(actual: string | undefined, values: readonly string[], sign: 1 | -1): boolean {
  const wanted = values.length === 1 ? values[0] : undefined;
  if (actual === undefined || wanted === undefined) return false;
  if (!INTEGER.test(actual) || !INTEGER.test(wanted)) return false;
  const diff = BigInt(actual) - BigInt(wanted);
  return sign === 1 ? diff > 0n : diff < 0n;
}

export function requirementMatches(req: NodeSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  switch (req.operator) {
    case 'In':
      return value !== undefined && req.values.includes(value);
    case 'NotIn':
      return value === undefined || !req.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return compareIntegers(value, req.values, 1);
    case 'Lt':
      return compareIntegers(value, req.values, -1);
    default:
      return false;
  }
}

/** Field selectors on nodes: only `metadata.name` exists. */
function fieldsOf(node: SlimNode): Labels {
  return { 'metadata.name': node.name };
}

export function termMatches(term: NodeSelectorTerm, node: SlimNode): boolean {
  if (term.matchExpressions.length === 0 && term.matchFields.length === 0) return false;
  const fields = fieldsOf(node);
  return (
    term.matchExpressions.every((req) => requirementMatches(req, node.labels)) &&
    term.matchFields.every((req) => requirementMatches(req, fields))
  );
}

export function nodeSelectorMatches(terms: readonly NodeSelectorTerm[], node: SlimNode): boolean {
  return terms.some((term) => termMatches(term, node));
}
