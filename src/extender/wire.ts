/**
 * The kube-scheduler HTTP extender wire format, v1. Upstream:
 * k8s.io/kube-scheduler/extender/v1/types.go (ExtenderArgs, ExtenderFilterResult, HostPriority).
 * The Go structs have no json tags, so the keys are the Go field names (PascalCase); Go's decoder
 * matches keys case-insensitively, and so does ours.
 */

/** A Node as the scheduler sends it with nodeCacheCapable: false; we read only the name. */
export interface WireNode {
  readonly metadata?: { readonly name?: string };
  readonly [field: string]: unknown;
}

export interface ExtenderArgs {
  /** The pod being scheduled (a full v1.Pod). */
  readonly Pod: Record<string, unknown>;
  /** Candidate nodes when nodeCacheCapable is false. */
  readonly Nodes?: { readonly items?: readonly WireNode[] } | null;
  /** Candidate node names when nodeCacheCapable is true. */
  readonly NodeNames?: readonly string[] | null;
}

export interface ExtenderFilterResult {
  /** Passing nodes, answered when the request carried `Nodes`. */
  Nodes?: { items: WireNode[] } | null;
  /** Passing node names, answered when the request carried `NodeNames`. */
  NodeNames?: string[] | null;
  /** Failed nodes and why; the scheduler may try preemption on them. */
  FailedNodes: Record<string, string>;
  /** Failed nodes preemption cannot help. */
  FailedAndUnresolvableNodes: Record<string, string>;
  /** A request-level problem: the scheduler fails this attempt and retries. */
  Error: string;
}

/** One entry of HostPriorityList. Score is 0..MaxExtenderPriority (10) unless raw scores are configured. */
export interface HostPriority {
  Host: string;
  Score: number;
}
