import type { FilterResult, NodePriority } from '../scoring/index.js';
import type { Candidates } from './decode.js';
import type { ExtenderFilterResult, HostPriority, WireNode } from './wire.js';

/**
 * FilterResult -> ExtenderFilterResult, in the shape the request came in (Nodes or NodeNames).
 *
 * Every node we fail goes to FailedAndUnresolvableNodes, not FailedNodes: our reasons are all about
 * where data lives or whether storage runs, and evicting pods changes neither. kube-scheduler treats
 * FailedNodes as Unschedulable, and DefaultPreemption then picks victims on them by running only its
 * filter plugins (an extender is consulted during preemption only if it implements preemptVerb), so a
 * FailedNodes answer can get lower-priority pods evicted for nothing. (scoring.md puts step-4 failures
 * in FailedNodes; this is the deliberate exception, recorded in the issue notes.)
 */
export function encodeFilter(c: Candidates, result: FilterResult): ExtenderFilterResult {
  if (result.error !== undefined) {
    return {
      Nodes: null,
      NodeNames: null,
      FailedNodes: {},
      FailedAndUnresolvableNodes: {},
      Error: result.error,
    };
  }
  const passing = c.nodesByName
    ? {
        Nodes: {
          items: result.passed
            .map((n) => c.nodesByName?.get(n))
            .filter((n): n is WireNode => n !== undefined),
        },
        NodeNames: null,
      }
    : { Nodes: null, NodeNames: [...result.passed] };
  return { ...passing, FailedNodes: {}, FailedAndUnresolvableNodes: { ...result.failed }, Error: '' };
}

export function encodePriorities(priorities: readonly NodePriority[]): HostPriority[] {
  return priorities.map((p) => ({ Host: p.node, Score: p.score }));
}
